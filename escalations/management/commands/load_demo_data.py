"""Load realistic Japanese demo data: teams for every tier, a person for every role, the
escalation matrix with its guidance, about 100 customers and 300 cases in every status.

Every case is played through ``escalations.services`` (the one way to change a case), so the demo
has the same history rows, handoffs, answers and delegate routing as real work. Deterministic
(``random.Random(2026)``) and idempotent: when the demo users exist it creates nothing. The data
is in ``escalations/management/demo_content.py``; this command's own messages go through gettext.
"""

from __future__ import annotations

import bisect
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.signals import pre_create_historical_record
from simple_history.utils import bulk_create_with_history

from accounts.models import Team, User
from accounts.roles import ROLES
from escalations import services
from escalations.management import demo_content as demo
from escalations.management.demo_sla import load_sla
from escalations.models import (
    Case,
    CaseNote,
    CaseStatus,
    Category,
    Channel,
    Customer,
    Escalation,
    EscalationRule,
    Mood,
    NoteKind,
    Reason,
)
from escalations.priority import Impact, Urgency

PASSWORD = "demo-pass-2026"
MARKER_USERNAME = "operator"
SEED = 2026
REASON = "load_demo_data"  # the change reason on every history row the setup writes
S = CaseStatus

DEFAULT_CASES = 300
# How many of 300 cases end in each status, and how many days ago they were opened (from, to).
QUOTAS = {
    S.NEW: (24, 0, 1),
    S.IN_PROGRESS: (40, 0, 10),
    S.ESCALATED: (34, 0, 4),
    S.ACKNOWLEDGED: (30, 0, 6),
    S.RETURNED: (26, 0, 7),
    S.PENDING_CUSTOMER: (26, 1, 14),
    S.RESOLVED: (45, 1, 21),
    S.CLOSED: (75, 4, 60),
}
# The first case of these statuses shows a feature whatever the random draws: (category, reason
# of the first hop, hops). A complaint goes to the absent SV's delegate; the others climb to L4.
SHOWCASES = {
    S.ESCALATED: ("クレーム", Reason.COMPLAINT, 1),
    S.ACKNOWLEDGED: ("故障・不具合", Reason.KNOWLEDGE_GAP, 3),  # L2 -> L3 -> L4
    S.RETURNED: ("ログイン・アカウント", Reason.TECHNICAL_FAULT, 2),  # L3 (development) -> L4
    S.CLOSED: ("請求・料金", Reason.BEYOND_AUTHORITY, 3),
}
SETUP_DAYS_AGO = 90  # people, teams, rules and customers were "created" this long ago
CHANNELS = {Channel.PHONE: 60, Channel.EMAIL: 15, Channel.CHAT: 12, Channel.WEB: 10, Channel.API: 3}
IMPACTS = {Impact.HIGH: 10, Impact.MEDIUM: 50, Impact.LOW: 40}
URGENCIES = {Urgency.HIGH: 25, Urgency.MEDIUM: 45, Urgency.LOW: 30}
MOODS = {Mood.CALM: 4, Mood.ANXIOUS: 3, Mood.DISSATISFIED: 2, Mood.ANGRY: 1}
COMPLAINT_MOODS = {Mood.ANGRY: 5, Mood.DISSATISFIED: 4, Mood.ANXIOUS: 1}


def _pick(rng: random.Random, weighted: dict):
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


@dataclass
class Plan:
    """One case to play: where it ends, what it is about and the steps that get it there."""

    status: str
    category: str
    scenario: demo.Scenario
    reason: str  # of the first escalation
    owner: str
    customer: int  # index into the customers
    channel: str
    impact: int
    urgency: int
    mood: str
    steps: list[tuple[str, int]]  # (action, minutes after the previous step)
    rng: random.Random  # its own, so what it draws depends neither on the clock nor the order
    start: datetime | None = None
    values: dict[str, str] | None = None


class _Windows(models.Expression):
    """``CASE WHEN column >= start_n THEN demo_n ... WHEN column >= start_1 THEN demo_1 ELSE
    column END``: every timestamp written during a step becomes the step's demo time."""

    def __init__(self, field: models.Field, windows: list[tuple[datetime, datetime]]) -> None:
        super().__init__(output_field=field)
        self.column, self.windows = field.column, windows

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        column = connection.ops.quote_name(self.column)
        params: list = []
        for real_start, demo_time in reversed(self.windows):
            params += [
                self.output_field.get_db_prep_value(real_start, connection),
                self.output_field.get_db_prep_value(demo_time, connection),
            ]
        whens = " ".join([f"WHEN {column} >= %s THEN %s"] * len(self.windows))
        return f"CASE {whens} ELSE {column} END", params


class _Clock:
    """The demo time of the step being played, and what it means for the data.

    The services stamp ``timezone.now()`` (one by one or in bulk). Setting :attr:`now` opens a
    window of real time that lasts until the next step; :meth:`backdate` moves every timestamp
    the watched models (and their history rows) got inside a window to that window's demo
    time, so the whole timeline moves into the past afterwards."""

    def __init__(self, watched: list[type[models.Model]]) -> None:
        self._now: datetime | None = None
        self._windows: list[tuple[datetime, datetime]] = []  # (real start, demo time)
        self._fields = {
            model: [f for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
            for model in watched
        }

    @property
    def now(self) -> datetime | None:
        return self._now

    @now.setter
    def now(self, demo_time: datetime) -> None:
        self._now = demo_time
        self._windows.append((timezone.now(), demo_time))

    def _stamp_history(self, sender, history_instance: models.Model, **kwargs) -> None:
        """History rows get their demo times as they are written (single saves and bulk
        writes alike send ``pre_create_historical_record``): history tables refuse UPDATE
        (the audit trigger), so :meth:`backdate` cannot move them afterwards."""
        starts = [real for real, _demo in self._windows]
        for f in history_instance._meta.concrete_fields:
            if isinstance(f, models.DateTimeField):
                value = getattr(history_instance, f.attname)
                window = bisect.bisect_right(starts, value) if value is not None else 0
                if window:  # written during a step (else before the demo: left as it is)
                    setattr(history_instance, f.attname, self._windows[window - 1][1])

    @contextmanager
    def recording(self) -> Iterator[None]:
        pre_create_historical_record.connect(self._stamp_history, weak=False, dispatch_uid=id(self))
        try:
            yield
        finally:
            pre_create_historical_record.disconnect(dispatch_uid=id(self))

    def backdate(self) -> None:
        """Move every timestamp written since the first step to its step's demo time.

        This is the documented demo-only bulk path (STYLE rule 6): one ``QuerySet.update()`` per
        model, on rows this command has just written through the services. It writes no history
        on purpose: the history rows got their demo times as they were written (history
        tables refuse UPDATE), so the audit trail tells the same story as the cases."""
        if not self._windows:
            return
        for model, fields in self._fields.items():
            model._default_manager.update(**{f.attname: _Windows(f, self._windows) for f in fields})


class _Demo:
    """Builds the demo organisation and plays the cases; call :meth:`build` in a transaction."""

    def __init__(self, rng: random.Random, *, cases: int = DEFAULT_CASES) -> None:
        self.rng = rng
        self.cases = cases
        self.now = timezone.now().replace(second=0, microsecond=0)
        watched = [User, Team, Category, EscalationRule, Case, CaseNote, Escalation]
        self.clock = _Clock(watched)  # their history rows are stamped as they are written

    def build(self) -> None:
        with self.clock.recording():
            self.clock.now = self.now - timedelta(days=SETUP_DAYS_AGO)
            self._people()
            self._teams()
            self._categories()
            self._rules()
            self._customers()
            for plan in sorted(self._plans(), key=lambda p: p.start):
                self._play(plan)
        self.clock.backdate()
        load_sla(admin=self.admin, categories=self.categories, rng=random.Random(SEED + 1))

    # --- the organisation ---------------------------------------------------------------------

    def _audited(self, obj: models.Model) -> models.Model:
        obj._history_user = getattr(self, "admin", None)
        obj._change_reason = REASON
        return obj

    def _people(self) -> None:
        groups = {group.name: group for group in Group.objects.filter(name__in=list(ROLES))}
        if set(groups) != set(ROLES):
            raise CommandError(_("The roles are missing: run “manage.py migrate” first."))
        hashed = make_password(PASSWORD)  # hashed once: the same demo password for everyone
        self.users: dict[str, User] = {}
        for username, role, name, furigana, extension, delegate in demo.USERS:
            family, given = name.split(" ")
            user = User(
                username=username,
                password=hashed,
                display_name=name,
                furigana=furigana,
                last_name=family,
                first_name=given,
                extension=extension,
                email=f"{username}@example.com",
                is_staff=True,
                is_superuser=username == "admin",
                is_absent=username in demo.ABSENT,
                delegate=self.users.get(delegate) if delegate else None,
            )
            self._audited(user).save()
            user.groups.add(groups[role])
            self.users[username] = user
            if username == "admin":
                self.admin = user
        self.by_pk = {user.pk: user for user in self.users.values()}

    def _teams(self) -> None:
        self.teams: dict[str, Team] = {}
        self.present: dict[int, list[User]] = {}  # team id -> members who are not absent
        for name, tier, lead, members, email, phone in demo.TEAMS:
            team = Team(
                name=name,
                tier=tier,
                is_tier_default=name in demo.DEFAULT_TEAMS,
                lead=self.users[lead],
                email=email,
                phone=phone,
            )
            self._audited(team).save()
            people = [self.users[username] for username in members]
            team.members.add(*people)
            self.teams[name] = team
            self.present[team.pk] = [user for user in people if not user.is_absent]

    def _categories(self) -> None:
        names = [row[0] for row in demo.CATEGORIES]
        self.categories = {c.name: c for c in Category.objects.filter(name__in=names)}
        for order, (name, description, *_rest) in enumerate(demo.CATEGORIES, start=1):
            if name not in self.categories:
                category = Category(name=name, description=description, sort_order=order * 10)
                self._audited(category).save()
                self.categories[name] = category

    def _rules(self) -> None:
        for row in demo.RULES:
            team = self.teams[row.team]
            rule = EscalationRule(
                category=self.categories[row.category] if row.category else None,
                priority=row.priority,
                reason=row.reason,
                target_tier=team.tier,
                target_team=team,
                target_user=self.users[row.person] if row.person else None,
                guidance=row.guidance,
            )
            rule.clean()
            self._audited(rule).save()

    def _customers(self) -> None:
        rng = self.rng
        people = rng.sample([(f, g) for f in demo.FAMILY for g in demo.GIVEN], 95)
        customers = []
        for index, ((family, kana_f, roman_f), (given, kana_g, roman_g)) in enumerate(people):
            email = ""
            if rng.random() < 0.6:
                domain = rng.choice(["example.com", "example.net", "example.org"])
                email = f"{roman_g}.{roman_f}{rng.randint(1, 99)}@{domain}"
            customers.append(
                Customer(
                    name=f"{family} {given}",
                    furigana=f"{kana_f} {kana_g}",
                    phone=self._phone(),
                    email=email,
                    external_id=self._crm_id(index),
                )
            )
        for index, (name, kana, slug) in enumerate(demo.COMPANIES, start=len(customers)):
            customers.append(
                Customer(
                    name=name,
                    furigana=kana,
                    phone=self._phone(landline=True),
                    email=f"info@{slug}.example.com",
                    external_id=self._crm_id(index),
                )
            )
        self.customers = bulk_create_with_history(
            customers,
            Customer,
            default_user=self.admin,
            default_change_reason=REASON,
            default_date=self.clock.now,
        )

    def _phone(self, *, landline: bool = False) -> str:
        rng = self.rng
        prefix = rng.choice(["03", "06", "045", "052"] + ([] if landline else ["090", "080"] * 2))
        if prefix in ("045", "052"):
            return f"{prefix}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
        return f"{prefix}-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}"

    def _crm_id(self, index: int) -> str | None:
        if self.rng.random() < 0.25:
            return None
        return f"CRM-{104200 + index * 13 + self.rng.randint(0, 12):06d}"

    # --- the cases ----------------------------------------------------------------------------

    def _plans(self) -> list[Plan]:
        weights = [row[2] for row in demo.CATEGORIES]
        plans = []
        for status, (quota, newest, oldest) in QUOTAS.items():
            for number in range(max(1, round(quota * self.cases / DEFAULT_CASES))):
                rng = random.Random(self.rng.getrandbits(64))
                name, _description, _weight, reasons, multi_hop = rng.choices(
                    demo.CATEGORIES, weights=weights
                )[0]
                reason = rng.choice(reasons)
                # Technical faults of these categories go straight to L3 (see demo.RULES); the rest
                # start at L2. Further hops go one tier up each, to L4 at most.
                max_hops = (2 if reason == Reason.TECHNICAL_FAULT else 3) if multi_hop else 1
                hops = None
                if number == 0 and status in SHOWCASES:
                    name, reason, hops = SHOWCASES[status]
                plan = Plan(
                    status=status,
                    category=name,
                    scenario=rng.choice(demo.SCENARIOS[name]),
                    reason=reason,
                    owner=rng.choice(demo.OPERATORS),
                    customer=rng.randrange(len(self.customers)),
                    channel=_pick(rng, CHANNELS),
                    impact=_pick(rng, IMPACTS),
                    urgency=_pick(rng, URGENCIES),
                    mood=_pick(rng, COMPLAINT_MOODS if name == "クレーム" else MOODS),
                    steps=self._steps(rng, status, max_hops, hops),
                    rng=rng,
                )
                self._schedule(plan, newest, oldest)
                plans.append(plan)
        return plans

    def _schedule(self, plan: Plan, newest: int, oldest: int) -> None:
        """Open the case during office hours ``newest``-``oldest`` days ago, early enough for
        all its steps to lie in the past."""
        rng = plan.rng
        days_ago, minute, event_days_before = (
            rng.randint(newest, oldest),
            rng.randint(0, 570),
            rng.randint(1, 20),
        )
        day = timezone.localdate(self.now) - timedelta(days=days_ago)
        start = timezone.make_aware(datetime.combine(day, clock_time(9, 0)))
        start += timedelta(minutes=minute)
        took = timedelta(minutes=sum(minutes for _action, minutes in plan.steps) + 60)
        while start + took > self.now:  # all its steps must lie in the past: a day earlier
            start -= timedelta(days=1)
        plan.start = start
        event = timezone.localdate(start) - timedelta(days=event_days_before)
        plan.values = {
            "product": rng.choice(demo.PRODUCTS),
            "plan": rng.choice(demo.PLANS),
            "order": f"A{rng.randint(10_000_000, 99_999_999)}",
            "amount": f"{rng.choice([1980, 2750, 3300, 4980, 5500, 8800, 10780, 16500]):,}",
            "date": f"{event.month}月{event.day}日",
        }

    @staticmethod
    def _steps(
        rng: random.Random, status: str, max_hops: int, hops: int | None = None
    ) -> list[tuple[str, int]]:
        """The actions (after opening) that take a case to ``status``; with ``hops``, through
        an escalation of that many hops."""

        def m(low: int, high: int) -> int:
            return rng.randint(low, high)

        def chain(end: str, hops: int | None = hops) -> list[tuple[str, int]]:
            if hops is None:
                hops = min(max_hops, rng.choices([1, 2, 3], weights=[60, 30, 10])[0])
            out = [("escalate", m(10, 90))]
            for _hop in range(hops - 1):
                if rng.random() < 0.7:
                    out.append(("ack", m(3, 90)))
                if rng.random() < 0.4:
                    out.append(("internal", m(10, 120)))
                out.append(("further", m(30, 300)))
            if end == S.ESCALATED:
                return out
            out.append(("ack", m(3, 120) if rng.random() < 0.8 else m(120, 600)))
            if rng.random() < 0.4:
                out.append(("internal", m(10, 120)))
            if end == S.ACKNOWLEDGED:
                return out
            out.append(("return", m(30, 600) if hops == 1 else m(240, 2880)))
            return out

        if status == S.NEW:
            return [("call_log", m(5, 60))] if rng.random() < 0.3 else []
        steps = [("start", m(1, 15))]
        if rng.random() < 0.5:
            steps.append(("call_log", m(5, 45)))
        if status in (S.ESCALATED, S.ACKNOWLEDGED, S.RETURNED):
            return steps + chain(status)
        if status == S.IN_PROGRESS:
            variant = rng.choices(["plain", "resumed", "reopened", "answered"], [40, 20, 15, 25])[0]
            if variant == "resumed":
                steps += [("wait", m(10, 60)), ("resume", m(600, 4320))]
            elif variant == "reopened":
                steps += [("resolve", m(10, 120)), ("reopen", m(1440, 4320))]
            elif variant == "answered":
                steps += chain(S.RETURNED) + [("start", m(5, 60)), ("tell", m(5, 30))]
            return steps
        if status == S.PENDING_CUSTOMER:
            if rng.random() < 0.5:
                steps += chain(S.RETURNED) + [("tell", m(10, 60))]
            return steps + [("wait", m(5, 60))]
        # resolved or closed
        variant = rng.choices(["direct", "escalated", "waited", "twice"], [40, 40, 10, 10])[0]
        if hops is not None:
            variant = "escalated"
        if variant == "escalated":
            steps += chain(S.RETURNED) + [("tell", m(10, 90))]
        elif variant == "waited":
            steps += [("wait", m(10, 60))] + (
                [("resume", m(600, 4320))] if rng.random() < 0.5 else []
            )
        elif variant == "twice":  # the answer did not satisfy the customer: escalated again
            steps += chain(S.RETURNED, 1) + [("call_log", m(30, 240))] + chain(S.RETURNED, 1)
            steps.append(("tell", m(10, 60)))
        steps.append(("resolve", m(5, 120)))
        if status == S.CLOSED:
            if rng.random() < 0.1:
                steps += [("reopen", m(1440, 4320)), ("resolve", m(60, 600))]
            steps.append(("close", m(1440, 7200)))
        return steps

    def _play(self, plan: Plan) -> None:
        rng, sc, owner = plan.rng, plan.scenario, self.users[plan.owner]

        def fmt(text: str) -> str:
            return text.format(**plan.values)

        self.clock.now = when = plan.start
        case = services.case_create(
            actor=owner,
            customer=self.customers[plan.customer],
            category=self.categories[plan.category],
            subject=fmt(sc.subject),
            description=fmt(sc.description),
            channel=plan.channel,
            impact=plan.impact,
            urgency=plan.urgency,
            call_log=fmt(sc.call_log),
        )
        for action, minutes in plan.steps:
            when += timedelta(minutes=minutes, seconds=rng.randint(0, 59))
            self.clock.now = when
            match action:
                case "start":
                    services.case_start_work(case=case, actor=owner)
                case "call_log" | "tell":
                    body = rng.choice(
                        demo.FOLLOW_UPS if action == "call_log" else demo.TELL_CUSTOMER
                    )
                    services.case_add_note(
                        case=case, actor=owner, kind=NoteKind.CALL_LOG, body=body
                    )
                case "internal":
                    services.case_add_note(
                        case=case,
                        actor=self._handler(case, rng),
                        kind=NoteKind.INTERNAL,
                        body=rng.choice(demo.INTERNAL_NOTES),
                    )
                case "escalate":
                    handoff = services.Handoff(fmt(sc.wants), fmt(sc.tried), plan.mood)
                    services.case_escalate(
                        case=case, actor=owner, reason=plan.reason, handoff=handoff
                    )
                case "further":
                    tried = (
                        f"{rng.choice(demo.FURTHER_TRIED[case.tier])}（一次対応：{fmt(sc.tried)}）"
                    )
                    handoff = services.Handoff(fmt(sc.wants), tried, plan.mood)
                    services.case_escalate(
                        case=case,
                        actor=self._handler(case, rng),
                        reason=Reason.TECHNICAL_FAULT,
                        handoff=handoff,
                    )
                case "ack":
                    services.case_acknowledge(
                        case=case,
                        actor=self._handler(case, rng),
                        comment=rng.choice(demo.ACK_COMMENTS),
                    )
                case "return":
                    services.case_return_to_owner(
                        case=case, actor=self._handler(case, rng), answer=fmt(sc.answer)
                    )
                case "wait":
                    services.case_wait_for_customer(
                        case=case, actor=owner, comment=rng.choice(demo.WAITS)
                    )
                case "resume":
                    services.case_resume(case=case, actor=owner, comment=rng.choice(demo.RESUMES))
                case "resolve":
                    services.case_resolve(case=case, actor=owner, resolution=fmt(sc.resolution))
                case "reopen":
                    services.case_reopen(case=case, actor=owner, reason=rng.choice(demo.REOPENS))
                case "close":
                    services.case_close(case=case, actor=owner, comment=rng.choice(demo.CLOSES))
                case _:
                    raise ValueError(action)
        if case.status != plan.status:  # a mismatch between the plan and the state machine
            raise CommandError(f"{case.reference}: {case.status} != {plan.status} ({plan.steps})")

    def _handler(self, case: Case, rng: random.Random) -> User:
        """Who acts for the tier the case is escalated to: its handler, or someone present in
        the assigned team's queue."""
        person = self.by_pk.get(case.handler_id)
        if person is not None and not person.is_absent:
            return person
        return rng.choice(self.present[case.assigned_team_id])


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked for, in the active language
        return _(
            "Load Japanese demo data (teams, one login per role, escalation rules, customers and "
            "about 300 cases in every status) and print the demo logins. Does nothing when the "
            "demo data already exists."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--cases",
            type=int,
            default=DEFAULT_CASES,
            help=_("About how many cases to create (default: %(default)s)."),
        )
        parser.add_argument(
            "--logins-only", action="store_true", help=_("Only print the demo logins.")
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Load even when DEBUG is off (the demo has a superuser with a known password)."),
        )

    def handle(
        self,
        *args,
        logins_only: bool = False,
        force: bool = False,
        cases: int = DEFAULT_CASES,
        **options,
    ) -> None:
        if logins_only:
            self._print_logins()
            return
        if User.objects.filter(username=MARKER_USERNAME).exists():
            self.stdout.write(
                _("The demo data already exists (user “%(username)s”): nothing created.")
                % {"username": MARKER_USERNAME}
            )
            self._print_logins()
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "DEBUG is off: refusing to create users with a known password. "
                    "Use --force to load the demo data anyway."
                )
            )
        if cases < len(QUOTAS):
            raise CommandError(
                _("Create at least %(count)d cases (one per status).") % {"count": len(QUOTAS)}
            )
        names = [row[0] for row in demo.USERS] + [row[0] for row in demo.TEAMS]
        taken = sorted(
            [*User.objects.filter(username__in=names).values_list("username", flat=True)]
            + [*Team.objects.filter(name__in=names).values_list("name", flat=True)]
        )
        if taken:
            raise CommandError(
                _("Some demo users or teams already exist (%(names)s): use an empty database.")
                % {"names": ", ".join(taken)}
            )
        started = time.monotonic()
        with transaction.atomic():
            _Demo(random.Random(SEED), cases=cases).build()
        self._print_summary(time.monotonic() - started)
        self._print_logins()

    def _print_summary(self, seconds: float) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data created in %(seconds).1f s: %(users)d people, %(teams)d teams, "
                    "%(rules)d escalation rules, %(customers)d customers, %(cases)d cases, "
                    "%(hops)d escalation hops, %(notes)d notes."
                )
                % {
                    "seconds": seconds,
                    "users": len(demo.USERS),
                    "teams": len(demo.TEAMS),
                    "rules": EscalationRule.objects.count(),
                    "customers": Customer.objects.count(),
                    "cases": Case.objects.count(),
                    "hops": Escalation.objects.count(),
                    "notes": CaseNote.objects.count(),
                }
            )
        )
        per_status = dict(Case.objects.values_list("status").annotate(n=Count("pk")))
        self.stdout.write(
            _("Cases by status: %(counts)s")
            % {"counts": ", ".join(f"{s.label} {per_status.get(s.value, 0)}" for s in S)}
        )

    def _print_logins(self) -> None:
        roles = [
            ("operator", "オペレーター", _("Operator (L1): opens and works cases, escalates")),
            (
                "supervisor",
                "SV・スーパーバイザー",
                _("Supervisor (L2): acknowledges and answers escalations, escalates further"),
            ),
            (
                "specialist",
                "専門部署・技術サポート",
                _("Specialist (L3/L4): answers what the tier below cannot"),
            ),
            ("manager", "管理職", _("Manager: reads all cases, the audit history and the SLAs")),
            (
                "admin",
                "システム管理者",
                _("Administrator (superuser): teams, users, categories and escalation rules"),
            ),
        ]
        self.stdout.write(_("Demo logins (the same password for every demo user):"))
        for username, title, duty in roles:
            self.stdout.write(f"  {username:<10} / {PASSWORD}  {title} — {duty}")
        others = []
        for username, role, _name, _kana, _ext, delegate in demo.USERS:
            if username in {row[0] for row in roles}:
                continue
            if username in demo.ABSENT:
                others.append(
                    _("%(username)s (%(role)s, absent: %(delegate)s stands in)")
                    % {"username": username, "role": role, "delegate": delegate}
                )
            else:
                others.append(f"{username} ({role})")
        self.stdout.write(_("Other demo users: %(users)s") % {"users": ", ".join(others)})
