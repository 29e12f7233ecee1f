"""Playing one planned case through the services, each step at its time (``clock.at``). The
table maps a step's name to the service of that name; nothing here writes a status."""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.base import CommandError

from accounts.models import User
from demo import clock, phrases
from demo.cases import Plan
from escalations import services
from escalations import services as hold_services
from escalations.models import Callback, Case, CaseStatus, Customer, NoteKind, Reason
from knowledge.models import Article
from knowledge.services import article_approve, case_solved_with

ESCALATED = (CaseStatus.ESCALATED, CaseStatus.ACKNOWLEDGED)  # escalating again goes further


@dataclass
class Cast:
    """Who and what the cases are played with."""

    users: dict[str, User]
    present: dict[int, list[User]]  # team id -> members who are not absent
    categories: dict
    customers: list[Customer]
    articles: dict[int, list[Article]]  # category id -> its published articles
    by_pk: dict[int, User] = field(init=False)

    def __post_init__(self) -> None:
        self.by_pk = {user.pk: user for user in self.users.values()}

    def handler(self, case: Case, rng: random.Random) -> User:
        """Who acts for the tier the case is escalated to: its handler, or someone present in
        the assigned team's queue."""
        person = self.by_pk.get(case.handler_id)
        if person is not None and not person.is_absent:
            return person
        return rng.choice(self.present[case.assigned_team_id])


@dataclass
class Scene:
    """A case being played: the plan, the case, and the callback promised on it."""

    plan: Plan
    cast: Cast
    case: Case | None = None
    callback: Callback | None = None

    @property
    def owner(self) -> User:
        return self.cast.users[self.plan.owner]

    @property
    def rng(self) -> random.Random:
        return self.plan.rng

    def text(self, template: str) -> str:
        return template.format(**self.plan.values)

    def handoff(self) -> services.Handoff:
        sc, case = self.plan.scenario, self.case
        if case is not None and case.tier > 1 and case.status in ESCALATED:
            tier_tried = self.rng.choice(phrases.FURTHER_TRIED[case.tier])
            tried = f"{tier_tried}（一次対応：{self.text(sc.tried)}）"
            return services.Handoff(self.text(sc.wants), tried, self.plan.mood)
        return services.Handoff(self.text(sc.wants), self.text(sc.tried), self.plan.mood)


def play(plan: Plan, cast: Cast) -> Case:
    scene = Scene(plan, cast)
    sc, owner = plan.scenario, scene.owner
    when = plan.start
    with clock.at(when):
        scene.case = services.case_create(
            actor=owner,
            customer=cast.customers[plan.customer],
            category=cast.categories[plan.category],
            subject=scene.text(sc.subject),
            description=scene.text(sc.description),
            channel=plan.channel,
            impact=plan.impact,
            urgency=plan.urgency,
            call_log=scene.text(sc.call_log),
        )
    for name, minutes, detail in plan.steps:
        when = clock.step(when, plan.rng, minutes)
        with clock.at(when):
            SERVICES[name](scene, detail, when)
    case = scene.case
    if case.status != plan.status:  # a mismatch between the plan and the state machine
        raise CommandError(f"{case.reference}: {case.status} != {plan.status} ({plan.steps})")
    return case


def _case_add_note(scene: Scene, detail: str, when: dt.datetime) -> None:
    if detail == NoteKind.INTERNAL:
        actor, body = scene.cast.handler(scene.case, scene.rng), phrases.INTERNAL_NOTES
    else:
        actor = scene.owner
        body = phrases.FOLLOW_UPS if detail == "follow_up" else phrases.ANSWER_TOLD
    kind = NoteKind.INTERNAL if detail == NoteKind.INTERNAL else NoteKind.CALL_LOG
    services.case_add_note(case=scene.case, actor=actor, kind=kind, body=scene.rng.choice(body))


def _case_escalate(scene: Scene, detail: str, when: dt.datetime) -> None:
    further = scene.case.status in ESCALATED
    services.case_escalate(
        case=scene.case,
        actor=scene.cast.handler(scene.case, scene.rng) if further else scene.owner,
        reason=Reason.TECHNICAL_FAULT if further else scene.plan.reason,
        handoff=scene.handoff(),
        on_hold=detail == "on_hold",
    )


def _hold_end(scene: Scene, detail: str, when: dt.datetime) -> None:
    notes = phrases.HOLD_ANSWERED if detail == "answered" else phrases.HOLD_TO_CALLBACK
    hold_services.hold_end(
        case=scene.case, actor=scene.owner, outcome=detail, note=scene.rng.choice(notes)
    )


def _callback_promise(scene: Scene, detail: str, when: dt.datetime) -> None:
    customer = scene.cast.customers[scene.plan.customer]
    scene.callback = hold_services.callback_promise(
        case=scene.case,
        actor=scene.owner,
        number=customer.phone,
        window_start=when + dt.timedelta(minutes=30),
        window_end=when + dt.timedelta(minutes=120),
        note=scene.rng.choice(phrases.CALLBACK_NOTES),
    )


def _callback_keep(scene: Scene, detail: str, when: dt.datetime) -> None:
    hold_services.callback_keep(
        callback=scene.callback,
        actor=scene.owner,
        outcome=scene.rng.choice(phrases.CALLBACK_OUTCOMES),
    )


def _case_solved_with(scene: Scene, detail: str, when: dt.datetime) -> None:
    articles = scene.cast.articles.get(scene.case.category_id)
    if not articles:  # no article for this category: resolved as usual
        _case_resolve(scene, detail, when)
        return
    case_solved_with(
        case=scene.case,
        article=scene.rng.choice(articles),
        actor=scene.owner,
        comment=scene.rng.choice(phrases.SOLVED_WITH),
    )


def _case_resolve(scene: Scene, detail: str, when: dt.datetime) -> None:
    services.case_resolve(
        case=scene.case, actor=scene.owner, resolution=scene.text(scene.plan.scenario.resolution)
    )


def _case_acknowledge(scene: Scene, detail: str, when: dt.datetime) -> None:
    services.case_acknowledge(
        case=scene.case,
        actor=scene.cast.handler(scene.case, scene.rng),
        comment=scene.rng.choice(phrases.ACK_COMMENTS),
    )


def _case_wait_for_customer(scene: Scene, detail: str, when: dt.datetime) -> None:
    services.case_wait_for_customer(
        case=scene.case, actor=scene.owner, comment=scene.rng.choice(phrases.WAITS)
    )


def _case_resume(scene: Scene, detail: str, when: dt.datetime) -> None:
    services.case_resume(
        case=scene.case, actor=scene.owner, comment=scene.rng.choice(phrases.RESUMES)
    )


def _case_close(scene: Scene, detail: str, when: dt.datetime) -> None:
    services.case_close(
        case=scene.case, actor=scene.owner, comment=scene.rng.choice(phrases.CLOSES)
    )


def _case_return_to_owner(scene: Scene, detail: str, when: dt.datetime) -> None:
    # reusable or not, from the reference (no draw from the story's random stream): one answer
    # in three is reusable (an article in review), one in six published at once by its answerer
    pick = zlib.crc32(scene.case.reference.encode())
    handler = scene.cast.handler(scene.case, scene.rng)
    hop = services.case_return_to_owner(
        case=scene.case,
        actor=handler,
        answer=scene.text(scene.plan.scenario.answer),
        reusable=pick % 3 == 0,
        not_reusable_reason=phrases.NOT_REUSABLE[pick % len(phrases.NOT_REUSABLE)],
    )
    if pick % 6 == 0 and hop is not None:
        article_approve(article=Article.objects.get(source_escalation=hop), actor=handler)


def _case_start_work(scene: Scene, detail: str, when: dt.datetime) -> None:
    services.case_start_work(case=scene.case, actor=scene.owner)


def _case_reopen(scene: Scene, detail: str, when: dt.datetime) -> None:
    services.case_reopen(
        case=scene.case, actor=scene.owner, reason=scene.rng.choice(phrases.REOPENS)
    )


# step name -> the service of that name (with the actor and texts of the story)
SERVICES: dict[str, Callable[[Scene, str, dt.datetime], None]] = {
    "case_start_work": _case_start_work,
    "case_add_note": _case_add_note,
    "case_escalate": _case_escalate,
    "case_acknowledge": _case_acknowledge,
    "case_return_to_owner": _case_return_to_owner,
    "case_wait_for_customer": _case_wait_for_customer,
    "case_resume": _case_resume,
    "case_resolve": _case_resolve,
    "case_solved_with": _case_solved_with,
    "case_reopen": _case_reopen,
    "case_close": _case_close,
    "hold_end": _hold_end,
    "callback_promise": _callback_promise,
    "callback_keep": _callback_keep,
}
