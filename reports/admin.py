"""Recorded reviews, read-only: they are written by ``reports.services.review_record`` (the
dashboard's "reviewed" button)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reports.models import Review


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["reviewed_at", "rule", "team", "reviewed_by", "next_review_on", "comment"]
    list_filter = ["reviewed_at"]
    list_select_related = ["rule__category", "rule__target_team", "team", "reviewed_by"]
    date_hierarchy = "reviewed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
