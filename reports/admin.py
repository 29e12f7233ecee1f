"""Recorded reviews, read-only: they are written by ``reports.services.review_record`` (the
dashboard's "reviewed" button)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kit.admin import ReadOnlyAdminMixin
from reports.models import Review


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["reviewed_at", "rule", "team", "reviewed_by", "next_review_on", "comment"]
    list_filter = ["reviewed_at"]
    list_select_related = ["rule__category", "rule__target_team", "team", "reviewed_by"]
    date_hierarchy = "reviewed_at"
