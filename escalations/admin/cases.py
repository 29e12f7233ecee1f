"""The Django admin: the main UI. Thin: every write goes through ``escalations.services``."""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalations import forms, hooks, policy, services
from escalations.admin import call, workspace
from escalations.admin import hold as hold_admin
from escalations.admin import nudges as nudge_admin
from escalations.admin.queue import CaseQueueMixin
from escalations.admin.sla import sla_badge
from escalations.hold import selectors as hold_selectors
from escalations.lookup import customer_lookup_q
from escalations.models import Case, CaseStatus, Escalation
from escalations.policy import user_team_ids
from escalations.selectors import cases_visible_to
from escalations.sla import selectors as sla_selectors
from escalations.sla.filters import SLABreachedInPeriodFilter
from escalations.timeline import case_timeline
from kit.admin import (
    ReadOnlyAdminMixin,
    TransitionAdminMixin,
    VisibleHistoryAdmin,
    add_form_errors,
)


class MyCasesFilter(admin.SimpleListFilter):
    title = gettext_lazy("my cases")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("owner", _("I own")), ("handler", _("I handle"))]

    def queryset(self, request, queryset):
        if self.value() == "owner":
            return queryset.filter(owner=request.user)
        if self.value() == "handler":
            return queryset.filter(handler=request.user)
        return queryset


class SLAFilter(admin.SimpleListFilter):
    title = gettext_lazy("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [
            ("at_risk", _("At risk now (a warning has fired, no deadline passed)")),
            ("breached", _("Breached now (a running timer is past its deadline)")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "at_risk":
            return sla_selectors.at_risk(queryset, now=timezone.now())
        if self.value() == "breached":
            return sla_selectors.breached(queryset, now=timezone.now())
        return queryset


class EscalatedToMyTeamFilter(admin.SimpleListFilter):
    title = gettext_lazy("escalated to my team")
    parameter_name = "to_my_team"

    def lookups(self, request, model_admin):
        return [("open", _("Waiting for my team")), ("all", _("Everything escalated to my team"))]

    def queryset(self, request, queryset):
        teams = user_team_ids(request.user)
        if self.value() == "open":
            return queryset.filter(
                assigned_team__in=teams,
                status__in=[CaseStatus.ESCALATED, CaseStatus.ACKNOWLEDGED],
            )
        if self.value() == "all":
            return queryset.filter(escalations__to_team__in=teams).distinct()
        return queryset


# Each transition's form: its fields are the service's keyword arguments.
FORMS = {
    "start_work": forms.CommentForm,
    "wait_for_customer": forms.CommentForm,
    "resume": forms.CommentForm,
    "close": forms.CommentForm,
    "acknowledge": forms.CommentForm,
    "escalate": forms.EscalateForm,
    "escalate_further": forms.EscalateForm,
    "resolve": forms.ResolveForm,
    "reopen": forms.ReopenForm,
    "return_to_owner": forms.AnswerForm,
}
ESCALATE = {"escalate", "escalate_further"}


@admin.register(Case)
class CaseAdmin(CaseQueueMixin, TransitionAdminMixin, VisibleHistoryAdmin):
    form = forms.CaseForm
    machine = services.CASES
    transitions = services.TRANSITIONS
    transition_template = "admin/escalations/case/transition.html"
    transition_object_name = "case"
    change_form_template = "admin/escalations/case/change_form.html"
    # the list's columns, views and live poll: escalations.admin.queue
    list_filter = [
        MyCasesFilter,
        EscalatedToMyTeamFilter,
        hold_admin.WaitingForMeFilter,
        SLAFilter,
        SLABreachedInPeriodFilter,
        "status",
        "tier",
        "priority",
        "assigned_team",
        "category",
        # opened today / past 7 days / this month / this year: no query. Not the date
        # hierarchy: its MIN/MAX over the visible cases walks the created_at index from the
        # oldest case to the first open one (850,000 rows, about 1 s at 1,000,000 cases:
        # bench/README.md "Case list")
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["customer", "owner", "handler"]
    search_fields = ["reference", "customer__name", "customer__furigana", "customer__phone"]
    autocomplete_fields = ["customer", "category"]
    readonly_fields = [
        "reference",
        "status",
        "priority",
        "tier",
        "owner",
        "owner_team",
        "assigned_team",
        "handler",
        "created_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
    ]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """Also find cases by the caller's normalised phone and reading (``080…``, ``あべ``)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results |= queryset.filter(customer_lookup_q(search_term, prefix="customer__"))
        return results, may_have_duplicates

    def get_queryset(self, request):
        return self.rows_queryset(cases_visible_to(request.user))

    def rows_queryset(self, cases=None):
        """The cases with what a list row shows of them (joined, and the hold annotated)."""
        cases = Case.objects.all() if cases is None else cases
        return hold_selectors.with_hold(
            cases.select_related(
                "customer", "category", "owner", "handler", "owner_team", "assigned_team"
            )
        )

    def get_ordering(self, request):
        return hold_admin.hold_ordering(request, super().get_ordering(request))

    def get_fieldsets(self, request, obj=None):
        main = ["customer", "category", "subject", "description", "channel", "impact", "urgency"]
        if obj is None:
            return [(None, {"fields": [*main, "call_log"]})]
        closed = ["collapse"] if obj.status == CaseStatus.CLOSED else []
        return [
            (
                _("Case details") if closed else None,  # only a named fieldset collapses
                {"fields": ["reference", "status", *main, "priority"], "classes": closed},
            ),
            (
                _("Who has it"),
                {
                    "fields": ["owner", "owner_team", "tier", "assigned_team", "handler"],
                    "classes": closed,
                },
            ),
            (
                _("Times"),
                {
                    "fields": ["created_at", "first_response_at", "resolved_at", "closed_at"],
                    "classes": closed,
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # cases are never deleted: they are the audit trail

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fresh = Case.objects.get(pk=obj.pk)
            services.case_update(
                case=fresh,
                actor=request.user,
                **{f: data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS},
            )
        else:
            case = services.case_create(
                actor=request.user,
                customer=data["customer"],
                category=data["category"],
                subject=data["subject"],
                description=data["description"],
                channel=data["channel"],
                impact=data["impact"],
                urgency=data["urgency"],
                call_log=data.get("call_log", ""),
            )
            obj.pk = case.pk
            obj.reference = case.reference

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if case is not None:
            refused = None
            if request.method == "GET":  # a panel refused just before: open, once
                refused = workspace.take_refused(request, case, self.transition_form_class)
            extra_context.update(self._case_context(request, case, refused=refused))
        return super().change_view(request, object_id, form_url, extra_context)

    def panel_refused(
        self, request: HttpRequest, case: Case, panel: str, form
    ) -> HttpResponse | None:
        """A form posted from one of the case page's panels (``_panel``) and refused by the
        server: back to the case page (post/redirect/get, so a reload there does not post it
        again), that panel open with the errors and what was typed, kept in the session for
        that one page. ``None`` when the form came from its own page (which shows it again
        itself)."""
        if request.POST.get(workspace.PANEL_FIELD) != panel:
            return None
        workspace.keep_refused(request, case, panel, form)
        return HttpResponseRedirect(reverse("admin:escalations_case_change", args=[case.pk]))

    def transition_refused(self, request: HttpRequest, case: Case, name: str, form):
        return self.panel_refused(request, case, name, form)

    def _case_context(self, request, case: Case, *, refused=None) -> dict:
        actions = self.transition_actions(request, case)
        can_note = request.user.has_perm("escalations.add_casenote")
        sla_events = list(case.sla_events.select_related("timer").order_by("fired_at"))
        hops = list(
            case.escalations.select_related(
                "to_team",
                "to_user",
                "routed_from",
                "requested_by",
                "acknowledged_by",
                "answered_by",
            )
        )
        notes = list(case.notes.select_related("author"))
        timers = sla_selectors.timers_of(case)
        header = workspace.header_context(
            request,
            case,
            available=actions,
            form_class=self.transition_form_class,
            hops=hops,
            timers=timers,
            refused=refused,
        )
        return {
            **header,
            **nudge_admin.nudge_context(case, header["header_actions"]),
            "case_actions": actions,
            "note_url": reverse("admin:escalations_case_note", args=[case.pk]) if can_note else "",
            "timeline": case_timeline(case, notes=notes, hops=hops, sla_events=sla_events),
            "sla_timers": [(timer, sla_badge(state)) for timer, state in timers],
            "sla_events": sla_events,
            "hops": hops,
            **hold_admin.hold_context(request, case, hops=hops, sla_events=sla_events),
        }

    # --- transitions and notes, each on its own page ---------------------------------------

    def get_urls(self):
        own = [
            path(
                "call/",
                self.admin_site.admin_view(partial(call.call_view, self)),
                name="escalations_case_call",
            ),
            *self.transition_urls(),
            path(
                "<int:pk>/note/",
                self.admin_site.admin_view(self.note_view),
                name="escalations_case_note",
            ),
        ]
        return own + hold_admin.hold_urls(self) + super().get_urls()

    def _visible_case(self, request: HttpRequest, pk: int) -> Case:
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def _back(self, case: Case) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:escalations_case_change", args=[case.pk]))

    # --- the transition page's hooks (kit.admin.TransitionAdminMixin) ----------------------

    def transition_object(self, request: HttpRequest, pk: int) -> Case:
        return self._visible_case(request, pk)

    def transition_allowed(self, request: HttpRequest, case: Case, name: str) -> bool:
        return policy.allows(name, case, request.user)

    def transition_form_class(self, name: str):
        return FORMS[name]

    def transition_kwargs(self, name: str, data: dict) -> dict:
        return services.transition_kwargs(name, data)

    def transition_title(self, case: Case) -> str:
        return case.reference

    def transition_initial(self, request: HttpRequest, case: Case, name: str) -> dict:
        return workspace.transition_initial(case, name, list(case.escalations.all()))

    def transition_context(self, request: HttpRequest, case: Case, name: str, form) -> dict:
        if name in ("acknowledge", "return_to_owner"):  # the handoff they answer
            return {"handoff": case.escalations.order_by("-number").first()}
        if name not in ESCALATE:
            return {}
        context = {"routes": workspace.routes(case)}
        for extra in hooks.escalate_page(request, case, name):
            context.update(extra)
        return context

    def note_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = self._visible_case(request, pk)
        if not request.user.has_perm("escalations.add_casenote"):
            raise PermissionDenied
        form = forms.NoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.case_add_note(
                    case=case,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                self.message_user(request, _("Note added."), messages.SUCCESS)
                return self._back(case)
        if request.method == "POST":
            refused = self.panel_refused(request, case, "note", form)
            if refused is not None:
                return refused
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "case": case,
            "form": form,
            "title": f"{case.reference}: {_('Add note')}",
            "action_label": _("Add note"),
        }
        return TemplateResponse(request, "admin/escalations/case/transition.html", context)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, VisibleHistoryAdmin):
    """Read-only: hops are written by the escalate, acknowledge and return services."""

    list_display = [
        "case",
        "number",
        "from_tier",
        "to_tier",
        "to_team",
        "to_user",
        "reason",
        "requested_by",
        "requested_at",
        "acknowledged_at",
        "answered_at",
        "outcome",
        "is_automatic",
    ]
    list_filter = ["reason", "to_tier", "to_team", "outcome", "reusable", "is_automatic"]
    list_select_related = ["case", "to_team", "to_user", "requested_by"]
    search_fields = ["case__reference", "customer_wants", "tried", "answer"]
    date_hierarchy = "requested_at"
    show_full_result_count = False

    def get_queryset(self, request):
        visible = cases_visible_to(request.user)
        return super().get_queryset(request).filter(case__in=visible)
