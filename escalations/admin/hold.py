"""Admin pieces for holds and callbacks: the case list's hold column and "waiting for me"
filter, the pages that end a hold and promise and keep callbacks (thin: they call
``escalations.services.hold``), and the read-only callback list."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from escalations import services
from escalations.hold import forms, selectors
from escalations.models import Callback, CallbackStatus, HoldOutcome
from escalations.policy import user_team_ids
from escalations.selectors import cases_visible_to
from kit.admin import ReadOnlyAdminMixin, VisibleHistoryAdmin, add_form_errors
from kit.durations import duration_text
from kit.statemachine import TransitionConflict
from kit.times import local_second


def hold_badge(hold_since) -> str:
    """``On hold 3 min`` in red, or a dash."""
    if hold_since is None:
        return "—"
    return format_html(
        '<span class="hold-badge" style="color:#fff;background:#ba2121;padding:1px 6px;'
        'border-radius:8px;white-space:nowrap" title="{}">{}</span>',
        local_second(hold_since),
        _("On hold %(time)s") % {"time": duration_text(timezone.now() - hold_since)},
    )


class WaitingForMeFilter(admin.SimpleListFilter):
    """Supervisors: the customers on hold for my teams, the longest waiting first."""

    title = gettext_lazy("customer on hold")
    parameter_name = "on_hold"

    def lookups(self, request, model_admin):
        return [("mine", _("Waiting for me")), ("all", _("All on hold"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return selectors.waiting_for_teams(queryset, user_team_ids(request.user))
        if self.value() == "all":
            return queryset.filter(hold_since__isnull=False).order_by("hold_since")
        return queryset


def hold_ordering(request: HttpRequest, default):
    """Oldest hold first on the "waiting for me" list (unless a column was clicked)."""
    if request.GET.get("on_hold") and "o" not in request.GET:
        return ["hold_since", "pk"]
    return default


def hold_urls(model_admin) -> list:
    site = model_admin.admin_site
    return [
        path(
            "<int:pk>/hold/end/",
            site.admin_view(lambda request, pk: hold_end_view(model_admin, request, pk)),
            name="escalations_case_hold_end",
        ),
        path(
            "<int:pk>/callback/",
            site.admin_view(lambda request, pk: callback_promise_view(model_admin, request, pk)),
            name="escalations_case_callback",
        ),
        path(
            "<int:pk>/callback/<int:callback_pk>/keep/",
            site.admin_view(
                lambda request, pk, callback_pk: callback_keep_view(
                    model_admin, request, pk, callback_pk
                )
            ),
            name="escalations_case_callback_keep",
        ),
        path(
            "<int:pk>/callback/<int:callback_pk>/miss/",
            site.admin_view(
                lambda request, pk, callback_pk: callback_miss_view(
                    model_admin, request, pk, callback_pk
                )
            ),
            name="escalations_case_callback_miss",
        ),
    ]


def hold_context(request: HttpRequest, case, *, hops, sla_events) -> dict:
    """The case page's hold state, callbacks and their action links."""
    callbacks = selectors.callbacks_of(case)
    can_promise = request.user.has_perm("escalations.add_callback")
    can_keep = request.user.has_perm("escalations.change_callback")
    state = selectors.hold_state(hops, sla_events)
    return {
        "hold": state,
        "hold_end_url": reverse("admin:escalations_case_hold_end", args=[case.pk]) if state else "",
        # each callback with its "made" and "missed" pages (empty when the user may not)
        "callbacks": [
            (callback, *_action_urls(callback))
            if can_keep and callback.status == CallbackStatus.PROMISED
            else (callback, "", "")
            for callback in callbacks
        ],
        "callback_url": reverse("admin:escalations_case_callback", args=[case.pk])
        if can_promise
        else "",
    }


def _action_urls(callback: Callback) -> tuple[str, str]:
    keep = reverse("admin:escalations_case_callback_keep", args=[callback.case_id, callback.pk])
    return keep, miss_url(callback)


def miss_url(callback: Callback) -> str:
    return reverse("admin:escalations_case_callback_miss", args=[callback.case_id, callback.pk])


def _page(model_admin, request, case, form, label: str) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "case": case,
        "form": form,
        "title": f"{case.reference}: {label}",
        "action_label": label,
    }
    return TemplateResponse(request, "admin/escalations/case/transition.html", context)


def _back(case) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:escalations_case_change", args=[case.pk]))


def _visible(request, pk: int):
    return get_object_or_404(cases_visible_to(request.user), pk=pk)


def hold_end_view(model_admin, request: HttpRequest, pk: int) -> HttpResponse:
    case = _visible(request, pk)
    form = forms.HoldEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            hop = services.hold_end(
                case=case,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            model_admin.message_user(
                request,
                _("Hold ended after %(duration)s.")
                % {"duration": duration_text(hop.hold_duration, seconds=True)},
                messages.SUCCESS,
            )
            if hop.hold_outcome == HoldOutcome.CALLBACK:
                return HttpResponseRedirect(
                    reverse("admin:escalations_case_callback", args=[case.pk])
                )
            return _back(case)
    if request.method == "POST":
        refused = model_admin.panel_refused(request, case, "hold_end", form)
        if refused is not None:
            return refused
    return _page(model_admin, request, case, form, _("End hold"))


def callback_promise_view(model_admin, request: HttpRequest, pk: int) -> HttpResponse:
    case = _visible(request, pk)
    if not request.user.has_perm("escalations.add_callback"):
        raise PermissionDenied
    initial = {"number": case.customer.phone}
    form = forms.CallbackPromiseForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.callback_promise(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            model_admin.message_user(request, _("Callback promised."), messages.SUCCESS)
            return _back(case)
    if request.method == "POST":
        refused = model_admin.panel_refused(request, case, "callback", form)
        if refused is not None:
            return refused
    return _page(model_admin, request, case, form, _("Promise a callback"))


def callback_keep_view(model_admin, request: HttpRequest, pk: int, callback_pk: int):
    case = _visible(request, pk)
    callback = get_object_or_404(Callback.objects.select_related("case"), pk=callback_pk, case=case)
    form = forms.CallbackKeepForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.callback_keep(
                callback=callback, actor=request.user, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            model_admin.message_user(request, _("Callback made."), messages.SUCCESS)
            return _back(case)
    return _page(model_admin, request, case, form, _("Callback made"))


def callback_miss_view(model_admin, request: HttpRequest, pk: int, callback_pk: int):
    case = _visible(request, pk)
    callback = get_object_or_404(Callback.objects.select_related("case"), pk=callback_pk, case=case)
    if not request.user.has_perm("escalations.change_callback"):
        raise PermissionDenied
    form = forms.CallbackMissForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.callback_miss(
                callback=callback, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except TransitionConflict as exc:
            form.add_error(None, exc.message)
        else:
            model_admin.message_user(request, _("Callback marked as missed."), messages.SUCCESS)
            return _back(case)
    return _page(model_admin, request, case, form, _("Callback missed"))


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdminMixin, VisibleHistoryAdmin):
    """Read-only: callbacks are written by the promise and keep services (from the case).
    Only those of visible cases, their history pages too."""

    list_display = [
        "case",
        "number",
        "window_start",
        "window_end",
        "status",
        "promised_by",
        "kept_at",
        "kept_by",
    ]
    list_filter = ["status"]
    list_select_related = ["case", "promised_by", "kept_by"]
    search_fields = ["case__reference", "number", "outcome"]
    date_hierarchy = "due_at"
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if request.user.has_perm("escalations.change_callback"):
            return [shown[0], "next_step", *shown[1:]]  # beside the case: seen without scrolling
        return shown

    @admin.display(description=gettext_lazy("next step"))
    def next_step(self, callback: Callback) -> str:
        """A promised callback's buttons: made (its outcome) or missed (why)."""
        if callback.status != CallbackStatus.PROMISED:
            return ""
        keep = reverse("admin:escalations_case_callback_keep", args=[callback.case_id, callback.pk])
        return format_html(
            '<span style="white-space:nowrap"><a class="button callback-keep" href="{}">{}</a> '
            '<a class="button callback-miss" href="{}">{}</a></span>',
            keep,
            _("Callback made"),
            miss_url(callback),
            pgettext("callback", "Missed"),
        )

    def changelist_view(self, request, extra_context=None):
        """With the managers' figures: hold durations per team and category, callbacks kept
        on time (over everything: the figures are for managers, who see every case)."""
        extra_context = extra_context or {}
        if request.user.has_perm("escalations.view_all_cases"):
            extra_context["hold_figures"] = [
                {
                    "team": row.team,
                    "category": row.category,
                    "holds": row.holds,
                    "median_text": duration_text(row.median, seconds=True),
                    "p90_text": duration_text(row.p90, seconds=True),
                }
                for row in selectors.hold_figures()
            ]
            extra_context["callback_figures"] = selectors.callbacks_kept_on_time(now=timezone.now())
        return super().changelist_view(request, extra_context)
