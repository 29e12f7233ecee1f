"""Opening and editing cases, notes, and registering customers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import memberships
from accounts.models import Tier, User
from escalations.models import (
    Case,
    CaseNote,
    CaseReferenceCounter,
    Category,
    Channel,
    Customer,
    NoteKind,
)
from escalations.priority import Impact, Urgency, priority_for
from escalations.selectors import case_is_visible_to
from escalations.services._base import CASES, add_note, new_note
from escalations.sla import timers as sla
from kit import bulk
from kit.audit import audit, audited_save
from notifications import events, outbox


def _next_reference(now_year: int) -> str:
    """The next reference of ``now_year``. On PostgreSQL a sequence per year (made on first
    use): concurrent creates do not wait on one another, but a create that rolls back burns its
    number (references have gaps). Elsewhere (SQLite, one writer at a time) the year's counter
    row, locked until commit: gap-free."""
    if connection.vendor == "postgresql":
        (number,) = _next_in_sequence(now_year)
        return _reference(now_year, number)
    counter, _created = CaseReferenceCounter.objects.select_for_update().get_or_create(
        year=now_year
    )
    CaseReferenceCounter.objects.filter(pk=now_year).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"C-{now_year}-{counter.last:06d}"


def reference_sequence(year: int) -> str:
    return f"escalations_case_reference_{year:04d}"


def _next_in_sequence(year: int, *draws: tuple[str, list]) -> list[int]:
    """The year's next number, then the values of ``draws`` (SQL expressions with their
    parameters, e.g. the next keys of tables: ``kit.bulk.draw_keys_sql``), in one statement."""
    name = reference_sequence(year)
    # ``::text``: the name is looked up when the statement runs, so a year without its sequence
    # yet gives NULL instead of an error (one statement either way).
    draw = "SELECT CASE WHEN to_regclass(%s) IS NOT NULL THEN nextval(%s::text) END"
    also = "".join(f", {sql}" for sql, _params in draws)
    with connection.cursor() as cursor:
        cursor.execute(draw + also, [name, name, *(p for _sql, params in draws for p in params)])
        number, *drawn = cursor.fetchone()
        if number is None:
            # The year's first create makes the sequence; the lock serialises two first creates
            # (and a year counted by the counter row before continues after it).
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} MINVALUE 1")
            cursor.execute(
                f"SELECT setval(%s, counter.last) FROM {CaseReferenceCounter._meta.db_table} "
                f"AS counter, {name} AS made WHERE counter.year = %s AND counter.last > 0 "
                "AND NOT made.is_called",
                [name, year],
            )
            cursor.execute(draw, [name, name])
            (number,) = cursor.fetchone()
    return [number, *drawn]


def _reference(year: int, number: int) -> str:
    return f"C-{year}-{number:06d}"


def _validate_levels(impact: int, urgency: int) -> None:
    errors = {}
    if impact not in Impact.values:
        errors["impact"] = _("Choose a valid impact.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose a valid urgency.")
    if errors:
        raise ValidationError(errors)


def case_create(
    *,
    actor: User,
    customer: Customer,
    category: Category,
    subject: str,
    description: str = "",
    channel: str = Channel.PHONE,
    impact: int,
    urgency: int,
    owner: User | None = None,
    call_log: str = "",
) -> Case:
    """Open a case. The owner (default: the actor) keeps the customer for its whole life."""
    if not actor.has_perm("escalations.add_case"):
        raise PermissionDenied(_("You may not open cases."))
    if not subject.strip():
        raise ValidationError({"subject": _("A subject is required.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose a valid channel.")})
    _validate_levels(impact, urgency)
    owner = owner or actor
    now = timezone.now()
    year = timezone.localtime(now).year
    with transaction.atomic():
        team = memberships.home_team(owner)
        values = dict(
            subject=subject.strip(),
            description=description,
            channel=channel,
            customer=customer,
            category=category,
            impact=impact,
            urgency=urgency,
            priority=priority_for(impact, urgency),
            owner=owner,
            owner_team=team,
            tier=Tier.L1,
            assigned_team=team,
            handler=owner,
            created_at=now,
        )
        if connection.vendor == "postgresql":
            return _case_insert(actor=actor, year=year, now=now, call_log=call_log, values=values)
        case = Case(reference=_next_reference(year), **values)
        audited_save(case, actor=actor, reason="create")
        sla.start_case_timers(case, now=now)
        events.emit("case.created", case)
        if call_log.strip():
            add_note(case, actor=actor, kind=NoteKind.CALL_LOG, body=call_log)
    return case


def _case_insert(*, actor: User, year: int, now, call_log: str, values: dict[str, Any]) -> Case:
    """``case_create``'s writes on PostgreSQL in two statements: the reference and the keys of
    the case and its call log drawn together, then the case, its timers, the call log, the two
    history rows and what the listeners of ``case.created`` queue in the outbox (the webhook
    rows and their deliveries) in one INSERT (``kit.together.insert_together``, through the outbox's
    batch). The same rows as saving them one by one
    (``tests/escalations/test_case_create_writes.py``). The event is emitted before the case is
    written (in the same statement, by the batch's end): its listeners queue rows and work
    for the commit, and read nothing of the case from the database."""
    with_note = bool(call_log.strip())
    draws = [bulk.draw_keys_sql(Case)] + ([bulk.draw_keys_sql(CaseNote)] if with_note else [])
    number, case_pk, *note_pk = _next_in_sequence(year, *draws)
    case = Case(pk=case_pk, reference=_reference(year, number), **values)
    audit(case, actor=actor, reason="create")
    timers = sla.case_timers(case, now=now)
    # written with the case: its timers' statement trigger then finds it right (migration 0023)
    case.sla_next_due = sla.nearest_due(timers)
    rows: list[Any] = [case, *timers]
    if with_note:
        note = new_note(case, actor=actor, kind=NoteKind.CALL_LOG, body=call_log)
        note.pk = note_pk[0]
        rows.append(note)
    history = [case, *rows[-1:]] if with_note else [case]
    with outbox.batched(together=rows, history=history, date=now):
        events.emit("case.created", case)
    return case


EDITABLE_FIELDS = ("subject", "description", "channel", "customer", "category", "impact", "urgency")


def case_update(*, case: Case, actor: User, **changes: Any) -> Case:
    """Edit the editable fields of a case; priority follows impact and urgency."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %s") % ", ".join(sorted(unknown)))
    if not actor.has_perm("escalations.change_case") or not case_is_visible_to(case, actor):
        raise PermissionDenied(_("You may not edit this case."))
    changed = [name for name, value in changes.items() if getattr(case, name) != value]
    if not changed:
        return case
    for name in changed:
        setattr(case, name, changes[name])
    if not str(case.subject).strip():
        raise ValidationError({"subject": _("A subject is required.")})
    _validate_levels(case.impact, case.urgency)
    new_priority = priority_for(case.impact, case.urgency)
    if new_priority != case.priority:
        case.priority = new_priority
        changed.append("priority")
    with transaction.atomic():
        CASES.lock_unchanged(case)  # a full save of a stale case would undo a transition
        CASES.save(case, actor=actor, reason="edit: " + ", ".join(changed))
    return case


def case_add_note(*, case: Case, actor: User, kind: str, body: str) -> CaseNote:
    """Add a call log or an internal note to the case's timeline."""
    if kind not in (NoteKind.CALL_LOG, NoteKind.INTERNAL):
        raise ValidationError({"kind": _("Only call logs and internal notes can be added.")})
    if not body.strip():
        raise ValidationError({"body": _("The note is empty.")})
    if not actor.has_perm("escalations.add_casenote") or not case_is_visible_to(case, actor):
        raise PermissionDenied(_("You may not add notes to this case."))
    return add_note(case, actor=actor, kind=kind, body=body)


# --- customers -------------------------------------------------------------------------------


def customer_create(
    *,
    actor: User,
    name: str,
    furigana: str = "",
    phone: str = "",
    email: str = "",
    external_id: str | None = None,
) -> Customer:
    """Register a customer (e.g. from a CTI or CRM); ``external_id`` is the CRM's, unique."""
    if not actor.has_perm("escalations.add_customer"):
        raise PermissionDenied(_("You may not register customers."))
    if not name.strip():
        raise ValidationError({"name": _("A name is required.")})
    external_id = (external_id or "").strip() or None
    customer = Customer(
        name=name.strip(),
        furigana=furigana.strip(),
        phone=phone.strip(),
        email=email.strip(),
        external_id=external_id,
    )
    customer.set_lookup_keys()
    with transaction.atomic():
        if external_id and Customer.objects.filter(external_id=external_id).exists():
            raise ValidationError({"external_id": _("A customer with this CRM id already exists.")})
        audited_save(customer, actor=actor, reason="create")
    return customer
