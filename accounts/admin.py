from django import forms
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from accounts import period_admin  # noqa: F401  (registers the period and rotation pages)
from accounts.absence import (
    absence_check,
    absence_delegates_for,
    absence_managed_by,
    absence_may_set,
    absence_set,
)
from accounts.models import Absence, AbsencePeriod, Team, User
from accounts.secret_admin import WriteOnlySecretAdmin, WriteOnlySecretForm
from accounts.services import user_check_change, user_may_edit
from accounts.webhook_urls import validate_webhook_url
from kit.history import OneHistoryRowAdmin

SUPERUSER_ONLY_FIELDS = ["is_superuser", "is_service_account", "user_permissions"]


class GrantCheckedUserForm:
    """Mixed into the admin's user forms: refuses flags, roles and permissions the acting
    user may not give or take (``accounts.services.user_check_change``)."""

    actor: User

    def clean(self):
        cleaned = super().clean()
        user = self.instance

        current_groups = list(user.groups.all()) if user.pk else []
        current_perms = list(user.user_permissions.all()) if user.pk else []
        try:
            user_check_change(
                actor=self.actor,
                user=user,
                is_staff=cleaned.get("is_staff", user.is_staff),
                is_superuser=cleaned.get("is_superuser", user.is_superuser),
                is_service_account=cleaned.get("is_service_account", user.is_service_account),
                groups=cleaned.get("groups", current_groups),
                permissions=cleaned.get("user_permissions", current_perms),
            )
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


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
            {
                "fields": [
                    "display_name",
                    "furigana",
                    "extension",
                    "language",
                    "is_absent",
                    "delegate",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit history names who did what

    def has_change_permission(self, request, obj=None):
        # also guards the password change view: nobody resets a superuser's password but one
        if obj is not None and not user_may_edit(actor=request.user, user=obj):
            return False
        return super().has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        *options["fields"],
                        *(["is_service_account"] if "is_superuser" in options["fields"] else []),
                    ],
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        # absence is set by periods (「不在・代理」, 「不在期間」): here it is only shown
        readonly = [*super().get_readonly_fields(request, obj), "is_absent"]
        if not request.user.is_superuser:
            readonly += SUPERUSER_ONLY_FIELDS
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (GrantCheckedUserForm, form), {"actor": request.user})


class TeamForm(WriteOnlySecretForm):
    secret_field = "webhook_secret"

    def clean_webhook_url(self):
        url = self.cleaned_data.get("webhook_url", "")
        validate_webhook_url(url)
        return url

    class Meta:
        model = Team
        exclude = ["webhook_secret"]


@admin.register(Team)
class TeamAdmin(WriteOnlySecretAdmin, OneHistoryRowAdmin, SimpleHistoryAdmin):
    form = TeamForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "tier", "is_tier_default", "lead", "email", "phone", "next_review_on"]
    list_filter = ["tier", "is_tier_default"]
    list_select_related = ["lead"]
    search_fields = ["name", "email", "phone"]
    autocomplete_fields = ["lead", "review_owner"]
    filter_horizontal = ["members"]


class AbsenceForm(forms.ModelForm):
    """One row of the absence page: checked by the same rule as the service. The until-time is
    one field with the browser's date-time picker (local time), not Django's two boxes with
    their calendar and clock links, which did not fit a row (nor a phone)."""

    absent_until = forms.DateTimeField(
        label=User._meta.get_field("absent_until").verbose_name,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Absence
        fields = ["is_absent", "delegate", "absent_until"]

    def clean(self):
        cleaned = super().clean()
        try:
            absence_check(
                user=self.instance,
                absent=cleaned.get("is_absent", False),
                delegate=cleaned.get("delegate"),
                until=cleaned.get("absent_until"),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    """Who is away and who stands in: each person for themselves, team leads and supervisors
    for their teams, administrators for everyone (``accounts.absence.absence_managed_by``)."""

    list_display = [
        "person",
        "extension",
        "team_names",
        "is_absent",
        "delegate",
        "absent_until",
        "stands_in",
    ]
    list_display_links = None
    list_editable = ["is_absent", "delegate", "absent_until"]
    list_filter = ["is_absent", "teams"]
    search_fields = ["username", "display_name", "furigana", "extension"]
    ordering = ["furigana", "username"]
    list_per_page = 50
    empty_value_display = "—"
    change_list_template = "admin/accounts/absence/change_list.html"

    def changelist_view(self, request, extra_context=None):
        """The page's own title (not "Select absence to change") and, for the card layout on
        a phone, each column's label."""
        labels = {name: label_for_field(name, self.model, self) for name in self.list_display}
        extra_context = {
            "title": capfirst(self.model._meta.verbose_name_plural),
            "absence_labels": labels,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        return (
            absence_managed_by(request.user)
            .select_related("delegate__delegate")
            .prefetch_related(
                "teams",
                Prefetch(
                    "absence_periods",
                    queryset=AbsencePeriod.objects.exclude(ends_at__lte=timezone.now()),
                    to_attr="coming_periods",
                ),
            )
        )

    def get_changelist_form(self, request, **kwargs):
        return AbsenceForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "delegate":
            kwargs["queryset"] = absence_delegates_for(request.user).order_by(
                "furigana", "username"
            )
            kwargs["empty_label"] = _("(none: the team's queue)")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff):
            return False
        return obj is None or absence_may_set(actor=request.user, user=obj)

    has_change_permission = has_view_permission

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        absence_set(
            actor=request.user,
            user=obj,
            absent=form.cleaned_data["is_absent"],
            delegate=form.cleaned_data["delegate"],
            until=form.cleaned_data["absent_until"],
        )

    @admin.display(description=_("name"), ordering="furigana")
    def person(self, obj):
        return str(obj)

    @admin.display(description=_("teams"))
    def team_names(self, obj):
        return "、".join(team.name for team in obj.teams.all())

    @admin.display(description=_("stands in now"))
    def stands_in(self, obj):
        """Who stands in now, and below it the person's absence periods (in this column, so
        the page keeps fitting a laptop screen)."""
        return format_html("{}<br>{}", self._stands_in(obj), self.periods(obj))

    def _stands_in(self, obj) -> str:
        if not obj.is_absent:
            return "—"
        recipient = obj.effective_recipient()
        if recipient is None:
            return _("nobody (everyone on the delegate chain is absent)")
        if recipient.extension:
            return _("%(name)s (ext. %(extension)s)") % {
                "name": recipient,
                "extension": recipient.extension,
            }
        return str(recipient)

    def periods(self, obj):
        """How many running or future periods the person has (a link to them, the next one's
        start in its title) and a link to add one: narrow, so the page fits a laptop."""
        add = format_html(
            '<a class="addlink" href="{}" title="{}"></a>',
            reverse("admin:accounts_absenceperiod_add") + f"?user={obj.pk}",
            _("Add a period"),
        )
        coming = obj.coming_periods
        if not coming:
            return format_html("<small>{}</small> {}", _("no absence periods"), add)
        listed = (
            reverse("admin:accounts_absenceperiod_changelist")
            + "?"
            + urlencode({"q": obj.username})
        )
        count = ngettext("%(count)s absence period", "%(count)s absence periods", len(coming)) % {
            "count": len(coming)
        }
        return format_html(
            '<a class="absence-periods" href="{}" title="{}">{}</a> {}',
            listed,
            _short(coming[0].starts_at),
            count,
            add,
        )


def _short(moment) -> str:
    """12/08 09:00 in local time; with the year when it is not this year's."""
    local = timezone.localtime(moment)
    fmt = "%m/%d %H:%M" if local.year == timezone.localdate().year else "%Y/%m/%d %H:%M"
    return local.strftime(fmt)
