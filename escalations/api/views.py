"""The cases API: thin views over ``escalations.services`` (writes), ``escalations.policy``
(who may run which transition) and ``escalations.selectors`` (what each user sees). Errors
become JSON in ``kit.api.errors``; POSTs honour ``Idempotency-Key``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from escalations import policy, services
from escalations.api import case_answers
from escalations.api import serializers as s
from escalations.api.case_answers import CASE_RELATED
from escalations.api.create_arguments import case_create_arguments
from escalations.api.lists import (
    CallbackPagination,
    CasePagination,
    EscalationPagination,
    HistoryPagination,
    NotePagination,
    filter_cases,
)
from escalations.api.schema import INPUTS, REFERENCE, transition_schema
from escalations.api.transition_arguments import transition_arguments
from escalations.models import (
    Callback,
    CallbackStatus,
    Case,
    Escalation,
)
from escalations.selectors import cases_visible_to, visibility_key
from escalations.services import CASES
from escalations.services.escalate_drawn import drawn_with_the_case
from integrations import idempotency
from integrations.idempotency import idempotent
from kit.api.permissions import HasPermission
from kit.compiled import KeptQuery
from kit.statemachine import MovedSinceRead, TransitionConflict


def versioned_escalate() -> bool:
    """Whether the API escalates a case read without a lock (``CASES.read_versioned``): on
    PostgreSQL, unless an Idempotency-Key's transaction holds the request (the key's record and
    the escalate commit together there, after the locked read, as before)."""
    return connection.vendor == "postgresql" and not idempotency.keyed()


# The case list's built queries, per process (``CaseViewSet._list_rows``); forgotten all at
# once when full.
LIST_QUERIES_MAX = 1000
_LIST_QUERIES: dict[tuple, object] = {}


@extend_schema_view(
    list=extend_schema(
        summary="List the cases you may see",
        parameters=[s.CaseFilterSerializer],
        tags=["cases"],
    ),
    create=extend_schema(
        summary="Open a case",
        description="The caller becomes the owner (the first line that keeps the customer). "
        "Priority follows impact and urgency.",
        request=s.CaseCreateSerializer,
        responses={201: s.CaseSerializer},
        tags=["cases"],
    ),
    retrieve=extend_schema(summary="One case", parameters=[REFERENCE], tags=["cases"]),
    partial_update=extend_schema(
        summary="Edit a case's editable fields",
        parameters=[REFERENCE],
        request=s.CaseUpdateSerializer,
        responses={200: s.CaseSerializer},
        tags=["cases"],
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CaseSerializer
    pagination_class = CasePagination
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"
    permission_classes = [permissions.IsAuthenticated, HasPermission]
    required_perms = {
        "list": ("escalations.view_case", "escalations.change_case"),
        "retrieve": ("escalations.view_case", "escalations.change_case"),
        "history": ("escalations.view_case", "escalations.change_case"),
        "notes": ("escalations.view_case", "escalations.change_case"),
        "escalations": ("escalations.view_case", "escalations.change_case"),
        "callbacks": ("escalations.view_case", "escalations.change_case"),
    }
    http_method_names = ["get", "post", "patch", "head", "options"]
    # read with the throttle's history in one round trip (integrations.throttles)
    reads_config_versions = True

    def get_queryset(self):
        return cases_visible_to(self.request.user).select_related(*CASE_RELATED)

    def filter_queryset(self, queryset):
        if self.action == "list":
            return filter_cases(queryset, self.request.query_params, self.request.user)
        return queryset

    def _case(self) -> Case:
        return get_object_or_404(self.get_queryset(), reference=self.kwargs["reference"])

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self._list_rows())
        return self.get_paginated_response(case_answers.case_rows_data(page))

    def _list_rows(self):
        """The list's query before its page is cut: built once per process for each
        visibility (``selectors.visibility_key``: the caller, their teams, whether they see
        everything), time zone and set of query parameters other than the cursor, and its
        first page's SQL compiled once (``kit.compiled.KeptQuery``). Building it (the
        visibility rule, the filters checked, the 36 values with their joins) and compiling
        it were a third of a page's time; the query is the one the rule and the filters make
        (``tests/api/test_the_case_list_query_is_kept_per_visibility.py``)."""
        request = self.request
        params = request.query_params
        cursor = self.paginator.cursor_query_param
        key = (
            request.user.pk,
            visibility_key(request.user),
            timezone.get_current_timezone_name(),
            tuple(sorted((name, tuple(params.getlist(name))) for name in params if name != cursor)),
        )
        rows = _LIST_QUERIES.get(key)
        if rows is None:
            visible = self.filter_queryset(cases_visible_to(request.user))
            rows = visible.values(*case_answers.CASE_VALUES)
            if len(_LIST_QUERIES) >= LIST_QUERIES_MAX:
                _LIST_QUERIES.clear()
            _LIST_QUERIES[key] = rows
        # the first page of each ordering compiled once too (a cursor's page is filtered by
        # its position: compiled as usual)
        return KeptQuery(rows, ("cases", *key))

    def _case_response(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        case_answers.relations_from_known(case, self.request.user)
        if not case_answers.relations_loaded(case):
            case = Case.objects.select_related(*CASE_RELATED).get(pk=case.pk)
        return Response(case_answers.case_data(case), status=code)

    @idempotent
    def create(self, request, *args, **kwargs):
        arguments = case_create_arguments(request.data)  # the serializer's, read directly
        case = services.case_create(actor=request.user, **arguments)
        return self._case_response(case, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        case = self._case()
        form = s.CaseUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        services.case_update(case=case, actor=request.user, **form.validated_data)
        return self._case_response(case)

    # --- the case's timeline, hops and history ---------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="The case's timeline (notes)",
        parameters=[REFERENCE],
        responses={200: s.NoteSerializer(many=True)},
        tags=["notes"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a call log or an internal note",
        parameters=[REFERENCE],
        request=s.NoteCreateSerializer,
        responses={201: s.NoteSerializer},
        tags=["notes"],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=NotePagination)
    def notes(self, request, reference=None):
        if request.method == "POST":
            return self._add_note(request)
        case = self._case()
        page = self.paginate_queryset(case.notes.select_related("author"))
        return self.get_paginated_response(s.NoteSerializer(page, many=True).data)

    @idempotent
    def _add_note(self, request):
        case = self._case()
        form = s.NoteCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        note = services.case_add_note(case=case, actor=request.user, **form.validated_data)
        note = type(note).objects.select_related("author").get(pk=note.pk)
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The case's escalation hops",
        parameters=[REFERENCE],
        responses={200: s.EscalationSerializer(many=True)},
        tags=["escalations"],
    )
    @action(detail=True, methods=["get"], pagination_class=EscalationPagination)
    def escalations(self, request, reference=None):
        case = self._case()
        hops = case.escalations.select_related(*s.ESCALATION_RELATED)
        page = self.paginate_queryset(hops)
        return self.get_paginated_response(s.EscalationSerializer(page, many=True).data)

    @extend_schema(
        summary="The case's audit history (one row per change, with user and reason)",
        parameters=[REFERENCE],
        responses={200: s.CaseHistorySerializer(many=True)},
        tags=["cases"],
    )
    @action(detail=True, methods=["get"], pagination_class=HistoryPagination)
    def history(self, request, reference=None):
        case = self._case()
        page = self.paginate_queryset(case.history.select_related("history_user"))
        return self.get_paginated_response(s.CaseHistorySerializer(page, many=True).data)

    # --- transitions: the admin's rules and payloads ---------------------------------------

    def _transition_case(self, *, versioned: bool = False) -> Case:
        """The case, read once for the transition that runs on it (with the same visibility
        rule as :meth:`_case`: a case the caller may not see is a 404): locked, in a
        ``transaction.atomic()`` block the service then joins; or, ``versioned`` (an escalate
        on PostgreSQL), without the lock, with its version, which the statement that writes
        checks (``case_escalate``)."""
        read = CASES.read_versioned if versioned else CASES.read_locked
        try:
            # its compiled SQL kept per process for each visibility (kit.compiled.read_one)
            return read(
                lambda: self.get_queryset().only(*case_answers.TRANSITION_READ),  # 49 columns of 97
                kept_as=("api case", visibility_key(self.request.user)),
                # an escalate's keys and hop number drawn in the same read (case_escalate)
                draw=drawn_with_the_case() if self.action == "escalate" else None,
                reference=self.kwargs["reference"],
            )
        except Case.DoesNotExist:
            raise Http404 from None

    def _transition(self, request, name: str) -> Response:
        if name == "escalate" and versioned_escalate():
            # read without a lock: the statement that writes checks the case is as read;
            # outside a transaction, that statement is the escalate's own
            case = self._transition_case(versioned=True)
            seen = CASES.state(case)
            try:
                self._run(request, name, case)
            except MovedSinceRead:
                # moved between the read and the write (an edit, the SLA sweep): nothing
                # written; run again below on the case read locked, if its status and tier
                # are still those read (else 409: another transition came first)
                pass
            else:
                return self._case_response(case)
        else:
            seen = None
        # with a key, the key's transaction itself (no savepoint: idempotency.atomic)
        with idempotency.atomic():
            case = self._transition_case()
            if seen is not None:
                CASES.refuse_if_moved_from(case, seen)
            self._run(request, name, case)
        return self._case_response(case)

    def _run(self, request, name: str, case: Case) -> None:
        if not policy.may_request(name, case, request.user):
            raise PermissionDenied(_("You may not do this on this case."))
        arguments = transition_arguments(INPUTS[name], request.data)  # read directly
        services.TRANSITIONS[name](
            case=case, actor=request.user, **services.transition_kwargs(name, arguments)
        )

    @transition_schema("start_work", "Start work", "new or returned -> in_progress.")
    @action(detail=True, methods=["post"], url_path="start-work")
    @idempotent
    def start_work(self, request, reference=None):
        return self._transition(request, "start_work")

    @transition_schema(
        "escalate",
        "Escalate (or escalate further)",
        "in_progress/returned -> escalated to the tier the escalation matrix names; from "
        "escalated/acknowledged, further up (L2 -> L3 -> L4). The handoff travels with the hop.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def escalate(self, request, reference=None):
        return self._transition(request, "escalate")

    @transition_schema(
        "acknowledge", "Acknowledge", "escalated -> acknowledged: the caller becomes the handler."
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def acknowledge(self, request, reference=None):
        return self._transition(request, "acknowledge")

    @transition_schema(
        "return_to_owner",
        "Answer and return to the owner",
        "escalated/acknowledged -> returned: back to the owner at L1 with the answer.",
    )
    @action(detail=True, methods=["post"], url_path="return")
    @idempotent
    def return_to_owner(self, request, reference=None):
        return self._transition(request, "return_to_owner")

    @transition_schema(
        "wait_for_customer",
        "Wait for the customer",
        "in_progress/returned -> pending_customer (the resolution clock pauses).",
    )
    @action(detail=True, methods=["post"], url_path="wait-for-customer")
    @idempotent
    def wait_for_customer(self, request, reference=None):
        return self._transition(request, "wait_for_customer")

    @transition_schema("resume", "Resume", "pending_customer -> in_progress.")
    @action(detail=True, methods=["post"])
    @idempotent
    def resume(self, request, reference=None):
        return self._transition(request, "resume")

    @transition_schema("resolve", "Resolve", "in_progress/returned/pending_customer -> resolved.")
    @action(detail=True, methods=["post"])
    @idempotent
    def resolve(self, request, reference=None):
        return self._transition(request, "resolve")

    @transition_schema("close", "Close", "resolved -> closed.")
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request, reference=None):
        return self._transition(request, "close")

    @transition_schema("reopen", "Reopen", "resolved -> in_progress.")
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request, reference=None):
        return self._transition(request, "reopen")

    # --- holds and callbacks: what a CTI sees happen on the line -----------------------------

    def _check_expected_status(self, case: Case, data: dict) -> None:
        expected = data.pop("expected_status", None)
        if expected is not None and expected != case.status:
            raise TransitionConflict(
                case,
                _("The case has changed since you saw it: it is now %(status)s.")
                % {"status": case.get_status_display()},
            )

    @extend_schema(
        summary="Put the customer on hold",
        description="The customer of an escalated case (not yet acknowledged) waits on the "
        "line: the latest hop records since when, the policy's hold acknowledgement target "
        "(wall-clock minutes) starts and the target team is told at once. 409 when the case is "
        "not escalated or the customer is already on hold. Webhook event ``case.on_hold``.",
        parameters=[REFERENCE],
        request=s.HoldStartSerializer,
        responses={200: s.EscalationSerializer},
        tags=["holds and callbacks"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def hold(self, request, reference=None):
        case = self._case()
        form = s.HoldStartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        self._check_expected_status(case, data)
        hop = services.hold_start(case=case, actor=request.user, **data)
        return self._hop_response(hop)

    @extend_schema(
        summary="End the hold",
        description="The customer is off hold: answered on the line, or turned into a callback "
        "(promise it with ``callbacks``). The hold acknowledgement timer stops. 409 when the "
        "customer is not on hold. Webhook event ``case.hold_ended``.",
        parameters=[REFERENCE],
        request=s.HoldEndSerializer,
        responses={200: s.EscalationSerializer},
        tags=["holds and callbacks"],
    )
    @action(detail=True, methods=["post"], url_path="hold-end")
    @idempotent
    def hold_end(self, request, reference=None):
        case = self._case()
        form = s.HoldEndSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        self._check_expected_status(case, data)
        if not Escalation.objects.filter(
            case=case, on_hold_since__isnull=False, hold_ended_at__isnull=True
        ).exists():
            raise TransitionConflict(case, _("The customer is not on hold on this case."))
        hop = services.hold_end(case=case, actor=request.user, **data)
        return self._hop_response(hop)

    def _hop_response(self, hop: Escalation) -> Response:
        fresh = Escalation.objects.select_related(*s.ESCALATION_RELATED).get(pk=hop.pk)
        return Response(s.EscalationSerializer(fresh).data)

    @extend_schema(
        methods=["GET"],
        summary="The case's callbacks (newest first)",
        parameters=[REFERENCE],
        responses={200: s.CallbackSerializer(many=True)},
        tags=["holds and callbacks"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Promise the customer a callback",
        description="Call ``number`` between ``window_start`` and ``window_end`` (the "
        "deadline). The SLA sweep reminds before the deadline (webhook event ``callback.due``) "
        "and records a miss once the window has passed without the call being made "
        "(``callback.missed``).",
        parameters=[REFERENCE],
        request=s.CallbackPromiseSerializer,
        responses={201: s.CallbackSerializer},
        tags=["holds and callbacks"],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=CallbackPagination)
    def callbacks(self, request, reference=None):
        if request.method == "POST":
            return self._promise_callback(request)
        case = self._case()
        page = self.paginate_queryset(case.callbacks.select_related("promised_by", "kept_by"))
        return self.get_paginated_response(s.CallbackSerializer(page, many=True).data)

    @idempotent
    def _promise_callback(self, request):
        case = self._case()
        form = s.CallbackPromiseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        callback = services.callback_promise(case=case, actor=request.user, **form.validated_data)
        return self._callback_response(callback, status.HTTP_201_CREATED)

    def _callback_response(self, callback: Callback, code: int = status.HTTP_200_OK) -> Response:
        fresh = Callback.objects.select_related("promised_by", "kept_by").get(pk=callback.pk)
        return Response(s.CallbackSerializer(fresh).data, status=code)

    @extend_schema(
        summary="The callback was made: record how it went",
        description="Made after the deadline still counts as kept (the timer says it was "
        "late). 409 (with the callback's ``status``) when it was already made or missed.",
        parameters=[
            REFERENCE,
            OpenApiParameter("callback_id", int, OpenApiParameter.PATH),
        ],
        request=s.CallbackKeepSerializer,
        responses={200: s.CallbackSerializer},
        tags=["holds and callbacks"],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"callbacks/(?P<callback_id>[0-9]{1,18})/keep",
        url_name="callback-keep",
    )
    @idempotent
    def callback_keep(self, request, reference=None, callback_id=None):
        case = self._case()
        callback = get_object_or_404(
            Callback.objects.select_related("case", "promised_by"), case=case, pk=callback_id
        )
        form = s.CallbackKeepSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if callback.status != CallbackStatus.PROMISED:
            raise TransitionConflict(callback, _("This callback has already been made or missed."))
        services.callback_keep(callback=callback, actor=request.user, **form.validated_data)
        return self._callback_response(callback)

    @extend_schema(
        summary="The callback will not be made: record it as missed",
        description="With the reason. The callback's timer stops as missed; webhook event "
        "``callback.missed`` (unless the SLA sweep already recorded the miss at the window's "
        "end) and the promiser and the case owner are told in the app. 409 (with the "
        "callback's ``status``) when it was already made or missed.",
        parameters=[
            REFERENCE,
            OpenApiParameter("callback_id", int, OpenApiParameter.PATH),
        ],
        request=s.CallbackMissSerializer,
        responses={200: s.CallbackSerializer},
        tags=["holds and callbacks"],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"callbacks/(?P<callback_id>[0-9]{1,18})/miss",
        url_name="callback-miss",
    )
    @idempotent
    def callback_miss(self, request, reference=None, callback_id=None):
        case = self._case()
        callback = get_object_or_404(
            Callback.objects.select_related("case", "promised_by"), case=case, pk=callback_id
        )
        form = s.CallbackMissSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.callback_miss(callback=callback, actor=request.user, **form.validated_data)
        return self._callback_response(callback)


@extend_schema_view(
    list=extend_schema(summary="Escalation hops of the cases you may see", tags=["escalations"]),
    retrieve=extend_schema(summary="One escalation hop", tags=["escalations"]),
)
class EscalationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.EscalationSerializer
    pagination_class = EscalationPagination
    permission_classes = [permissions.IsAuthenticated, HasPermission]
    required_perms = {
        "list": ("escalations.view_escalation",),
        "retrieve": ("escalations.view_escalation",),
    }

    queryset = Escalation.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        visible = cases_visible_to(self.request.user)
        return Escalation.objects.filter(case__in=visible).select_related(*s.ESCALATION_RELATED)
