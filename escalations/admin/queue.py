"""The case list as a work queue: compact columns that fit a 1366 px screen (cards under
600 px, in ``escalations/static/escalations/queue.css``), sorting by the nearest SLA deadline
and by how long the customer has waited on hold, a default view per role, and the live
"N new — show" bar (``queue.js``).

The bar polls :func:`new_rows_view` with the versions of the reader's scopes
(:mod:`escalations.live`): an unchanged version answers 304 without a database query (the
user's id comes from the cached session, the scopes from a signed token the page carries);
a changed one counts, in a constant number of queries, the rows of the page's own filters that
are new since the page was drawn."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse, QueryDict
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from escalations import live as case_lists
from escalations import stalled
from escalations.admin import hold as hold_admin
from escalations.admin.queue_rows import QueueRows
from escalations.models import Case, CaseStatus, Escalation, Nudge
from escalations.policy import user_team_ids
from escalations.sla import selectors as sla_selectors
from notifications import live

# --- the default view per role ----------------------------------------------------------------

MINE, TEAM, ALL = "mine", "team", "all"
STALLED = "stalled"  # no hesitation (issue 20): the calls nudged and not escalated yet
# what does not choose rows: sorting, paging, "show all", the admin's error flag, facets
NOT_FILTERS = frozenset({ORDER_VAR, "p", "all", "e", "_facets"})
DONE = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


def sees_all(user) -> bool:
    return user.is_superuser or user.has_perm("escalations.view_all_cases")


def role_view(user) -> str | None:
    """Where a role lands: supervisors and specialists on what waits for their team,
    operators on their own open work, managers on everything."""
    if sees_all(user):
        return None
    if user.has_perm("escalations.acknowledge_case"):
        return TEAM
    if user.has_perm("escalations.add_case"):
        return MINE
    return None


def queue_view(request: HttpRequest) -> str | None:
    """The view the list shows: the one asked for (``?view=``); none when another filter or a
    search is in the URL (it wins); else the role's default."""
    asked = request.GET.get(QueueViewFilter.parameter_name)
    if asked:
        return asked if asked in (MINE, TEAM, STALLED) else None
    if any(value for key, value in request.GET.items() if key not in NOT_FILTERS):
        return None
    return role_view(request.user)


def my_open_work(cases: QuerySet, user) -> QuerySet:
    return cases.filter(Q(owner=user) | Q(handler=user)).exclude(status__in=DONE)


def waiting_for_my_team(cases: QuerySet, user) -> QuerySet:
    return cases.filter(
        assigned_team__in=user_team_ids(user),
        status__in=[CaseStatus.ESCALATED, CaseStatus.ACKNOWLEDGED],
    )


class QueueViewFilter(admin.SimpleListFilter):
    """The work queue views. With nothing in the URL the role's default applies; "everything"
    is an explicit choice (the admin's own "All" link would land on the default again)."""

    title = gettext_lazy("queue")
    parameter_name = "view"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.effective = queue_view(request)

    def lookups(self, request, model_admin):
        views = [(MINE, _("My open work"))]
        if request.user.has_perm("escalations.acknowledge_case"):
            views.append((TEAM, _("Waiting for my team")))
        if request.user.has_perm("escalations.acknowledge_case") or sees_all(request.user):
            views.append((STALLED, _("Stalled calls (nudged, not escalated)")))
        views.append((ALL, _("Everything I may see")))
        return views

    def value(self):
        return self.effective

    def choices(self, changelist):
        current = self.effective or ALL
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: value}, remove=[ORDER_VAR, "p"]
                ),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.effective == MINE:
            return my_open_work(queryset, request.user)
        if self.effective == TEAM:
            return waiting_for_my_team(queryset, request.user)
        if self.effective == STALLED:
            return stalled.stalled(queryset)
        return queryset


# --- the change lists -------------------------------------------------------------------------

DATE_PARTS = ("created_at__year", "created_at__month", "created_at__day")

# the annotations sorted with their empty values last, whichever the direction
NULLS_LAST = ("sla_next_due", "hold_since")


def _nulls_last(part):
    if isinstance(part, str) and part.lstrip("-") in NULLS_LAST:
        field = F(part.lstrip("-"))
        return field.desc(nulls_last=True) if part.startswith("-") else field.asc(nulls_last=True)
    return part


class CaseChangeList(ChangeList):
    """Works out the SLA state of the rows shown in a constant number of queries; sorts by the
    nearest SLA deadline (``Case.sla_next_due``, stored and indexed: the database keeps it in
    step with the timers) and by the hold; the queue views list the nearest deadline first."""

    def _sla_first(self, request) -> bool:
        return (
            not self.params.get(ORDER_VAR)
            and not request.GET.get(hold_admin.WaitingForMeFilter.parameter_name)
            and queue_view(request) in (MINE, TEAM)
        )

    own_sort: str | None = None  # the column the list is sorted by without a click

    def get_filters(self, request):
        """The date hierarchy's own lookups (``created_at__year=…``) are refused (the admin's
        "invalid filter" page), not left to fail in the database: the list has no date
        hierarchy, its date filter is "opened" (today, past 7 days, …)."""
        if any(key.startswith(DATE_PARTS) for key in self.params):
            raise IncorrectLookupParameters(_("The case list has no date hierarchy."))
        return super().get_filters(request)

    def get_ordering(self, request, queryset):
        ordering = super().get_ordering(request, queryset)
        if self._sla_first(request):
            self.own_sort = "sla"
            ordering = ["sla_next_due", "-created_at", "-pk"]
        elif not self.params.get(ORDER_VAR) and request.GET.get(
            hold_admin.WaitingForMeFilter.parameter_name
        ):
            self.own_sort = "hold"  # the longest waiting first (hold_admin.hold_ordering)
        return [_nulls_last(part) for part in ordering]

    def get_ordering_field_columns(self):
        """The column headers show the list's own sort (nearest deadline or longest hold first)."""
        if self.own_sort in self.list_display:
            return {self.list_display.index(self.own_sort): "asc"}
        return super().get_ordering_field_columns()

    def get_results(self, request):
        """The page in two steps (a "deferred join"): its ids first, sorted and paged without
        the joined customer, people, teams and category, then those rows with them and their
        SLA state (:func:`~escalations.sla.selectors.with_sla`, for the page's rows only).
        Sorted by the nearest SLA deadline, the one query joined them for every row of the
        view before sorting (12,500 rows for an L2 team at 1,000,000 cases: bench/README.md)."""
        super().get_results(request)
        ids = list(self.result_list.values_list("pk", flat=True))
        rows = self.page_rows(ids) if ids else {}
        self.result_list = [rows[pk] for pk in ids if pk in rows]
        sla_selectors.attach_sla_states(self.result_list)

    def page_rows(self, ids: list[int]) -> dict:
        """The page's rows by id, with their joins and annotations. The view's filters, search
        and visibility chose the ids already: not applied again (with them PostgreSQL guessed
        one row and joined the people by scanning the users for each row: bench/README.md)."""
        rows = sla_selectors.with_sla(self.model_admin.rows_queryset()).filter(pk__in=ids)
        return rows.order_by().in_bulk()


class NewRowsChangeList(CaseChangeList):
    """The list's filters, search and visibility without loading a page: what the poll
    counts new rows in."""

    def get_results(self, request):
        self.result_list = []
        self.result_count = self.full_result_count = 0
        self.show_full_result_count = self.show_admin_actions = False
        self.can_show_all = self.multi_page = False
        self.paginator = None


def new_since(cases: QuerySet, since: dt.datetime) -> QuerySet:
    """The cases opened, escalated, put on hold or nudged after ``since``."""
    moved = Escalation.objects.filter(case=OuterRef("pk")).filter(
        Q(requested_at__gt=since) | Q(on_hold_since__gt=since)
    )
    nudged = Nudge.objects.filter(case=OuterRef("pk"), sent_at__gt=since)
    return cases.filter(Q(created_at__gt=since) | Exists(moved) | Exists(nudged))


# --- the live "N new" poll --------------------------------------------------------------------

SALT = "escalations.queue-poll"
TOKEN_MAX_AGE = 24 * 3600  # a page left open longer is reloaded to poll again


def _etag(versions: list[str]) -> str:
    return '"q-{}"'.format(hashlib.sha256("|".join(versions).encode()).hexdigest()[:24])


def _session_user_id(request: HttpRequest) -> int | None:
    try:
        return int(request.session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


def poll_context(request: HttpRequest) -> dict:
    """What the list page needs to poll: the poll's address with the reader's scopes and the
    time the page was drawn (signed), and the ETag of the scopes' versions now."""
    user = request.user
    scopes = case_lists.viewer_scopes(
        user_id=user.pk, team_ids=user_team_ids(user), sees_all=sees_all(user)
    )
    tag = _etag(live.scope_versions(scopes))  # read before the rows: a change meanwhile shows
    token = signing.dumps(
        {"u": user.pk, "s": scopes, "t": timezone.now().isoformat()}, salt=SALT, compress=True
    )
    url = reverse("admin:escalations_case_new_rows")
    return {"queue_poll_url": f"{url}?{urlencode({'scope': token})}", "queue_etag": tag}


def new_rows_view(model_admin, request: HttpRequest) -> HttpResponse:
    """``?scope=<token>&q=<the list's query string>``: 304 while the scopes' versions are
    unchanged (no database query); else ``{"new": n, "text": "n 件の新着 — 表示"}``."""
    user_id = _session_user_id(request)
    if user_id is None:
        return JsonResponse({"code": "not_authenticated"}, status=403)
    try:
        scope = signing.loads(request.GET.get("scope", ""), salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return JsonResponse({"code": "bad_scope"}, status=400)
    if scope.get("u") != user_id:
        return JsonResponse({"code": "not_authenticated"}, status=403)
    tag = _etag(live.scope_versions(scope["s"]))
    if request.headers.get("If-None-Match") == tag:
        response = HttpResponseNotModified()
        response["ETag"] = tag
        return response
    user = request.user
    if not (user.is_active and user.is_staff and user.pk == user_id):
        return JsonResponse({"code": "not_authenticated"}, status=403)
    if not model_admin.has_view_or_change_permission(request):
        return JsonResponse({"code": "permission_denied"}, status=403)
    listing = copy.copy(request)
    listing.GET = QueryDict(request.GET.get("q", ""))
    listing.queue_counting = True
    try:
        changelist = model_admin.get_changelist_instance(listing)
    except IncorrectLookupParameters:
        return JsonResponse({"code": "bad_filter"}, status=400)
    count = new_since(changelist.queryset, parse_datetime(scope["t"])).count()
    text = ngettext("%(count)d new — show", "%(count)d new — show", count) % {"count": count}
    response = JsonResponse({"new": count, "text": text})
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


# --- the admin's part -------------------------------------------------------------------------


class CaseQueueMixin:
    """The case list's columns, views, sorts and live poll (mixed into ``CaseAdmin``)."""

    list_display = [
        "case_cell",
        "customer_cell",
        "state",
        "priority_badge",
        "people",
        "sla",
        "hold",
    ]
    list_display_links = ["case_cell"]
    change_list_template = "admin/escalations/case/change_list.html"

    def get_list_filter(self, request):
        return [QueueViewFilter, *super().get_list_filter(request)]

    def get_changelist(self, request, **kwargs):
        return NewRowsChangeList if getattr(request, "queue_counting", False) else CaseChangeList

    def changelist_view(self, request, extra_context=None):
        context = {**poll_context(request), "queue_sorts": self.sort_links(request)}
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def sort_links(self, request: HttpRequest) -> list[dict]:
        """The sorts an operator needs, as links (the column headers do the same on a wide
        screen; a phone shows cards without them)."""
        links = []
        for label, column, prefix in [
            (_("By SLA due"), "sla", ""),
            (_("By hold time"), "hold", ""),
            (_("Newest first"), "case_cell", "-"),
        ]:
            order = f"{prefix}{self.list_display.index(column)}"
            query = request.GET.copy()
            query[ORDER_VAR] = order
            query.pop("p", None)
            links.append(
                {
                    "label": label,
                    "url": f"?{query.urlencode()}",
                    "selected": request.GET.get(ORDER_VAR) == order,
                }
            )
        return links

    def get_urls(self):
        poll = path(
            "new-rows/",
            # not admin_view: the unchanged answer must not load the user (see the module)
            require_GET(lambda request: new_rows_view(self, request)),
            name="escalations_case_new_rows",
        )
        return [poll, *super().get_urls()]

    # the cells: escalations.admin.queue_rows (the page draws them all at once, with what the
    # rows share worked out once; these draw one, for the admin's own uses)

    @admin.display(description=gettext_lazy("case"), ordering="created_at")
    def case_cell(self, case: Case) -> str:
        return QueueRows().case_cell(case)

    @admin.display(description=gettext_lazy("customer"), ordering="customer__furigana_key")
    def customer_cell(self, case: Case) -> str:
        return QueueRows().customer_cell(case)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def state(self, case: Case) -> str:
        return QueueRows().state(case)

    @admin.display(description=gettext_lazy("priority"), ordering="priority")
    def priority_badge(self, case: Case) -> str:
        return QueueRows().priority_badge(case)

    @admin.display(description=gettext_lazy("handler / owner"))
    def people(self, case: Case) -> str:
        return QueueRows().people(case)

    @admin.display(description=gettext_lazy("SLA (business time)"), ordering="sla_next_due")
    def sla(self, case: Case) -> str:
        return QueueRows().sla(case)

    @admin.display(description=gettext_lazy("customer on hold"), ordering="hold_since")
    def hold(self, case: Case) -> str:
        return QueueRows().hold(case)
