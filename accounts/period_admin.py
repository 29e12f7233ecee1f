"""Admin pages for absence periods (「不在期間」, linked from the absence page) and team on-call
rotations: thin, the rules are in ``accounts.absence`` and ``accounts.oncall``."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.absence import (
    absence_delegates_for,
    absence_managed_by,
    absence_may_set,
    absence_period_check,
    absence_period_delete,
    absence_period_save,
)
from accounts.models import AbsencePeriod, OnCallMember, OnCallOverride, OnCallRotation


class AbsencePeriodForm(forms.ModelForm):
    """Checked by the same rule as the service; the person and delegate lists are those the
    acting user may choose (set by the admin)."""

    class Meta:
        model = AbsencePeriod
        fields = ["user", "starts_at", "ends_at", "reason", "note", "delegate"]

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user")
        if user is None:
            return cleaned
        try:
            absence_period_check(
                user=user,
                starts_at=cleaned.get("starts_at"),
                ends_at=cleaned.get("ends_at"),
                reason=cleaned.get("reason", ""),
                delegate=cleaned.get("delegate"),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, errors)
        return cleaned


class WhenFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("now", _("running now")), ("future", _("future")), ("past", _("past"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        running_or_later = queryset.exclude(ends_at__lte=now)
        if self.value() == "now":
            return running_or_later.filter(starts_at__lte=now)
        if self.value() == "future":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "past":
            return queryset.filter(ends_at__lte=now)
        return queryset


@admin.register(AbsencePeriod)
class AbsencePeriodAdmin(SimpleHistoryAdmin):
    """Each person's absences, past, running and future: for themselves, their team's lead or
    supervisor, an administrator (``accounts.absence.absence_managed_by``)."""

    form = AbsencePeriodForm
    list_display = ["user", "starts_at", "ends_at", "reason", "note", "delegate"]
    list_filter = [WhenFilter, "reason"]
    list_select_related = ["user", "delegate"]
    search_fields = ["user__username", "user__display_name", "user__furigana", "note"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    actions = None  # deleting goes through the service, one period at a time

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__in=absence_managed_by(request.user))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("user", request.user.pk)
        initial.setdefault("starts_at", timezone.localtime())
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = absence_managed_by(request.user).order_by("furigana", "username")
        if db_field.name == "delegate":
            kwargs["queryset"] = absence_delegates_for(request.user).order_by(
                "furigana", "username"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff):
            return False
        return obj is None or absence_may_set(actor=request.user, user=obj.user)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def save_model(self, request, obj, form, change):
        try:
            absence_period_save(
                actor=request.user,
                user=form.cleaned_data["user"],
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                delegate=form.cleaned_data["delegate"],
                period=obj if change else None,
            )
        except (PermissionDenied, ValidationError) as exc:  # checked by the form already
            raise PermissionDenied(str(exc)) from exc

    def delete_model(self, request, obj):
        absence_period_delete(actor=request.user, period=obj)


class OnCallMemberInline(admin.TabularInline):
    model = OnCallMember
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["position", "user"]


class OnCallOverrideInline(admin.TabularInline):
    model = OnCallOverride
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["starts_at", "ends_at", "user", "note"]


@admin.register(OnCallRotation)
class OnCallRotationAdmin(SimpleHistoryAdmin):
    """A team's on-call rotation: the members in order, the daily handover, overrides. Who is
    on call now shows on the escalation flow page."""

    list_display = ["team", "name", "starts_on", "handover_at", "is_active"]
    list_filter = ["is_active", "team__tier"]
    list_select_related = ["team"]
    search_fields = ["name", "team__name"]
    inlines = [OnCallMemberInline, OnCallOverrideInline]
