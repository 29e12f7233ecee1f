"""Customers, categories and the escalation matrix in the admin."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from escalations.models import Category, Customer, EscalationRule


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "furigana", "phone", "email", "external_id"]
    search_fields = ["name", "furigana", "phone", "email", "external_id"]


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "category",
        "priority",
        "reason",
        "target_tier",
        "target_team",
        "target_user",
        "is_active",
        "next_review_on",
    ]
    list_filter = ["is_active", "target_tier", "category", "priority", "reason"]
    list_select_related = ["category", "target_team", "target_user"]
    search_fields = ["guidance", "target_team__name", "category__name"]
    autocomplete_fields = ["target_user", "review_owner"]
