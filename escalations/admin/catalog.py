"""Customers, categories and the escalation matrix in the admin."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from escalations.lookup import customer_lookup_q
from escalations.models import Category, Customer, EscalationRule


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "furigana", "phone", "email", "external_id"]
    search_fields = ["name", "furigana", "phone", "email", "external_id"]

    def get_search_results(self, request, queryset, search_term):
        """Also find callers by normalised phone (``08072896413``) and reading (``あべ``)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results |= queryset.filter(customer_lookup_q(search_term))
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        obj.set_lookup_keys()
        super().save_model(request, obj, form, change)


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
        "escalate_within_work",
        "escalate_within_hold",
        "is_active",
        "next_review_on",
    ]
    list_filter = ["is_active", "target_tier", "category", "priority", "reason"]
    list_select_related = ["category", "target_team", "target_user"]
    search_fields = ["guidance", "target_team__name", "category__name"]
    autocomplete_fields = ["target_user", "review_owner"]
