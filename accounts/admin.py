from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Team, User
from kit.history import OneHistoryRowAdmin


@admin.register(User)
class UserAdmin(OneHistoryRowAdmin, SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = [
        "username",
        "display_name",
        "furigana",
        "extension",
        "is_absent",
        "delegate",
        "is_staff",
    ]
    list_filter = ["is_absent", "is_staff", "is_active", "groups", "teams"]
    list_select_related = ["delegate"]
    search_fields = ["username", "display_name", "furigana", "first_name", "last_name", "email"]
    autocomplete_fields = ["delegate"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            _("Escalation"),
            {"fields": ["display_name", "furigana", "extension", "is_absent", "delegate"]},
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit history names who did what


@admin.register(Team)
class TeamAdmin(OneHistoryRowAdmin, SimpleHistoryAdmin):
    list_display = ["name", "tier", "is_tier_default", "lead", "email", "phone", "next_review_on"]
    list_filter = ["tier", "is_tier_default"]
    list_select_related = ["lead"]
    search_fields = ["name", "email", "phone"]
    autocomplete_fields = ["lead", "review_owner"]
    filter_horizontal = ["members"]
