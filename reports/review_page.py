"""The review page of an escalation rule or a team's contact list: what changed since its last
review (read from django-simple-history: fields old → new, members joined and left, the changes
of its contacts' absence and numbers) and whether each contact on its chain can be reached.

Constant query count whatever the number of changes: the subject's history rows (with the one
just before the review as the starting point), their member rows, the objects their foreign keys
name and the contacts' history rows are each read in one query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.absence import absent_between
from accounts.models import Team, User
from escalations.models import Category, EscalationRule
from kit.history import latest_rows_as_of
from kit.values import is_secret, plain_value
from reports.models import Review
from reports.services import REVIEW_REASON

# fields never shown (besides secrets): the row's id and the date the review itself sets
HIDDEN_FIELDS = {"id", "last_reviewed_on"}
# what of a contact matters to whether they can be reached
CONTACT_FIELDS = ["is_active", "is_absent", "absent_until", "delegate", "extension"]
# "not absent in the coming week"
LOOKAHEAD = dt.timedelta(days=7)


@dataclass
class Change:
    at: dt.datetime
    who: User | None
    field: str  # the field's label
    old: str
    new: str
    person: User | None = None  # whose change (contacts' changes only)


@dataclass
class ContactCheck:
    person: User
    roles: list[str]
    active: bool
    has_number: bool
    absent_until: dt.datetime | None  # absent in the coming week: until when (None: present)
    absent_open_ended: bool = False  # absent with no end set

    @property
    def present(self) -> bool:
        return self.absent_until is None and not self.absent_open_ended

    @property
    def ok(self) -> bool:
        return self.active and self.has_number and self.present


@dataclass
class ReviewPage:
    kind: str  # "rule" | "team"
    subject: EscalationRule | Team
    since: dt.datetime | None  # the last review (None: never reviewed, every change is shown)
    last_review: Review | None
    changes: list[Change]
    contact_changes: list[Change]
    contacts: list[ContactCheck]
    checked_until: dt.datetime
    team_phone: str = ""

    @property
    def problems(self) -> int:
        return sum(1 for c in self.contacts if not c.ok)


def contacts_absent_between(
    people: Iterable[User], start: dt.datetime, end: dt.datetime
) -> dict[int, dt.datetime | None]:
    """Who of ``people`` is absent at some time between ``start`` and ``end``: their id → the
    end of the last such absence (``None``: no end set). The one place the review page asks
    about absence: the absence periods (``accounts.absence.absent_between``, one query)."""
    found = absent_between([person.pk for person in people], start, end)
    absent: dict[int, dt.datetime | None] = {}
    for pk, periods in found.items():
        if periods:
            ends = [period.ends_at for period in periods]
            absent[pk] = None if None in ends else max(ends)
    return absent


def subject_since(subject: EscalationRule | Team, last_review: Review | None) -> dt.datetime | None:
    """When the last review was: the recorded review, or the start of the subject's last review
    date when no review row says more (a date set by hand)."""
    moments = []
    if last_review is not None:
        moments.append(last_review.reviewed_at)
    if subject.last_reviewed_on is not None:
        day = subject.last_reviewed_on
        moments.append(timezone.make_aware(dt.datetime(day.year, day.month, day.day)))
    return max(moments, default=None)


def review_page(
    *, rule: EscalationRule | None = None, team: Team | None = None, now: dt.datetime | None = None
) -> ReviewPage:
    now = now or timezone.now()
    kind, subject = ("rule", rule) if rule is not None else ("team", team)
    last_review = (
        Review.objects.filter(**{kind: subject}).select_related("reviewed_by").first()
    )  # newest first
    since = subject_since(subject, last_review)
    rows = _history_rows(type(subject).history, [subject.pk], since)
    members = _members_by_history(rows) if kind == "team" else {}

    contact_team = subject if kind == "team" else subject.target_team
    direct = _direct_contacts(kind, subject, contact_team)
    people = _people({pk for pk, _role in direct})
    contacts = _contacts(direct, people, now)

    contact_rows = _history_rows(User.history, [c.person.pk for c in contacts], since)
    names = _names(rows, contact_rows, members)
    changes = _subject_changes(rows, since, names, members)
    contact_changes = _contact_changes(contact_rows, since, names, people)
    return ReviewPage(
        kind=kind,
        subject=subject,
        since=since,
        last_review=last_review,
        changes=changes,
        contact_changes=contact_changes,
        contacts=contacts,
        checked_until=now + LOOKAHEAD,
        team_phone=contact_team.phone,
    )


# --- history --------------------------------------------------------------------------------


def _history_rows(manager, ids: list[int], since: dt.datetime | None) -> list:
    """The history rows of the objects ``ids`` after ``since``, each object's with the last row
    at or before ``since`` first (the state the review saw), oldest first: one query."""
    rows = manager.filter(id__in=ids)
    if since is not None:
        before = latest_rows_as_of(manager.filter(id__in=ids), since)
        rows = rows.filter(
            Q(history_date__gt=since) | Q(history_id__in=before.values("history_id"))
        )
    return list(rows.select_related("history_user").order_by("id", "history_date", "history_id"))


def _members_by_history(rows: list) -> dict[int, set[int]]:
    """Each team history row's members (user ids): one query."""
    through = apps.get_model("accounts", "HistoricalTeam_members")
    members: dict[int, set[int]] = {row.history_id: set() for row in rows}
    for history_id, user_id in through.objects.filter(history_id__in=list(members)).values_list(
        "history_id", "user_id"
    ):
        members[history_id].add(user_id)
    return members


def _tracked(row) -> list[models.Field]:
    return [
        f
        for f in row.instance_type._meta.concrete_fields
        if f.name not in HIDDEN_FIELDS and not is_secret(f)
    ]


def _names(rows: list, contact_rows: list, members: dict[int, set[int]]) -> dict:
    """The objects the rows' foreign keys and the members name, by (model, id): one query per
    kind of object (people, teams, categories)."""
    wanted: dict[type, set[int]] = {User: set(), Team: set(), Category: set()}
    for row in [*rows, *contact_rows]:
        for f in _tracked(row):
            if isinstance(f, models.ForeignKey) and getattr(row, f.attname) is not None:
                wanted.setdefault(f.related_model, set()).add(getattr(row, f.attname))
    for ids in members.values():
        wanted[User] |= ids
    names = {}
    for model, ids in wanted.items():
        if ids:
            for obj in model.objects.filter(pk__in=ids):
                names[(model, obj.pk)] = obj
    return names


def _show(f: models.Field, value, names: dict) -> str:
    """A value as the audit log shows it; a related object by its name."""
    if isinstance(f, models.ForeignKey) and value is not None:
        obj = names.get((f.related_model, value))
        return str(obj) if obj is not None else _("#%(id)s (deleted)") % {"id": value}
    return plain_value(f, value, empty=_("(none)"))


def _label(f: models.Field) -> str:
    text = str(f.verbose_name)
    return text[:1].upper() + text[1:]


def _pairs(rows: list, since: dt.datetime | None):
    """(previous row or None, row) for each row after ``since``, object by object."""
    previous = None
    for row in rows:
        if previous is not None and previous.id != row.id:
            previous = None
        if since is None or row.history_date > since:
            yield previous, row
        previous = row


def _subject_changes(rows, since, names, members) -> list[Change]:
    none = _("(none)")
    changes = []
    for before, row in _pairs(rows, since):
        # a review moves the next review date: that is the review, not a change to review
        skip = {"next_review_on"} if row.history_change_reason == REVIEW_REASON else set()
        who = row.history_user
        if before is None:
            changes.append(Change(row.history_date, who, _("Created"), none, str(row.instance)))
            continue
        if row.history_type == "-":
            changes.append(Change(row.history_date, who, _("Deleted"), str(row.instance), none))
            continue
        for f in _tracked(row):
            old, new = getattr(before, f.attname), getattr(row, f.attname)
            if old != new and f.name not in skip:
                changes.append(
                    Change(
                        row.history_date, who, _label(f), _show(f, old, names), _show(f, new, names)
                    )
                )
        if members:
            old_ids, new_ids = members[before.history_id], members[row.history_id]
            for label, ids in (
                (_("Member joined"), new_ids - old_ids),
                (_("Member left"), old_ids - new_ids),
            ):
                for user_id in sorted(ids):
                    person = _show(Team._meta.get_field("lead"), user_id, names)
                    changes.append(
                        Change(
                            row.history_date,
                            who,
                            label,
                            none if label == _("Member joined") else person,
                            person if label == _("Member joined") else none,
                        )
                    )
    return sorted(changes, key=lambda c: c.at)


def _contact_changes(rows, since, names, people) -> list[Change]:
    fields = [User._meta.get_field(name) for name in CONTACT_FIELDS]
    changes = []
    for before, row in _pairs(rows, since):
        if before is None:
            continue
        for f in fields:
            old, new = getattr(before, f.attname), getattr(row, f.attname)
            if old != new:
                changes.append(
                    Change(
                        row.history_date,
                        row.history_user,
                        _label(f),
                        _show(f, old, names),
                        _show(f, new, names),
                        person=people.get(row.id) or names.get((User, row.id)),
                    )
                )
    return sorted(changes, key=lambda c: c.at)


# --- reachability ---------------------------------------------------------------------------


def _direct_contacts(kind: str, subject, team: Team) -> list[tuple[int, str]]:
    """(person id, role) of the people the chain starts with: the rule's named person, the
    team's lead and members."""
    direct = []
    if kind == "rule" and subject.target_user_id:
        direct.append((subject.target_user_id, _("target person")))
    if team.lead_id:
        direct.append((team.lead_id, _("lead of %(team)s") % {"team": team.name}))
    for user_id in team.members.values_list("pk", flat=True):
        direct.append((user_id, _("member of %(team)s") % {"team": team.name}))
    return direct


def _people(ids: set[int]) -> dict[int, User]:
    """The direct contacts and everyone who is somebody's delegate (so every delegate chain
    resolves in memory), by id: one query."""
    is_delegate = User.objects.filter(delegate_id=OuterRef("pk"))
    return {u.pk: u for u in User.objects.filter(Q(pk__in=ids) | Exists(is_delegate))}


def _contacts(direct, people: dict[int, User], now: dt.datetime) -> list[ContactCheck]:
    """Each contact once with every role they have on the chain; a contact's delegate is on the
    chain too, and the delegate's delegate while the one before is away or inactive."""
    absent = contacts_absent_between(people.values(), now, now + LOOKAHEAD)
    roles: dict[int, list[str]] = {}

    def add(pk: int, role: str) -> None:
        if pk in people:
            roles.setdefault(pk, [])
            if role not in roles[pk]:
                roles[pk].append(role)

    for pk, role in direct:
        add(pk, role)
        person, seen = people.get(pk), {pk}
        while person is not None and person.delegate_id and person.delegate_id not in seen:
            add(person.delegate_id, _("delegate of %(person)s") % {"person": person})
            if person.is_active and person.pk not in absent:
                break
            seen.add(person.delegate_id)
            person = people.get(person.delegate_id)
    return [
        ContactCheck(
            person=people[pk],
            roles=labels,
            active=people[pk].is_active,
            has_number=bool(people[pk].extension.strip()),
            absent_until=absent.get(pk),
            absent_open_ended=pk in absent and absent[pk] is None,
        )
        for pk, labels in roles.items()
    ]
