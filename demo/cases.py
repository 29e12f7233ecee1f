"""The story's cases: what each case is about and the steps that take it to its status, played
through the services at their times (``clock.at``). A step names the service it calls.

Deterministic (each case draws from its own ``random.Random``) so the same seed tells the same
story. A phone escalation may keep the customer on hold: the hold ends answered on the line or
turns into a callback, which is kept; a problem an article answers is solved with it at L1."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from demo import clock, phrases, scenarios
from demo.content import CATEGORIES
from demo.organisation import OPERATORS
from escalations.models import CaseStatus, Channel, HoldOutcome, Mood, NoteKind, Reason
from escalations.priority import Impact, Urgency

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
SOLVED_WITH_AN_ARTICLE = S.RESOLVED  # the first such case is solved at L1 with an article
CHANNELS = {Channel.PHONE: 60, Channel.EMAIL: 15, Channel.CHAT: 12, Channel.WEB: 10, Channel.API: 3}
IMPACTS = {Impact.HIGH: 10, Impact.MEDIUM: 50, Impact.LOW: 40}
URGENCIES = {Urgency.HIGH: 25, Urgency.MEDIUM: 45, Urgency.LOW: 30}
MOODS = {Mood.CALM: 4, Mood.ANXIOUS: 3, Mood.DISSATISFIED: 2, Mood.ANGRY: 1}
COMPLAINT_MOODS = {Mood.ANGRY: 5, Mood.DISSATISFIED: 4, Mood.ANXIOUS: 1}
ON_HOLD = 0.35  # of first escalations on a phone case: the customer waits on the line

Step = tuple[str, int, str]  # (service, minutes after the previous step, detail)


def _pick(rng: random.Random, weighted: dict):
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


@dataclass
class Plan:
    """One case to play: where it ends, what it is about and the steps that get it there."""

    status: str
    category: str
    scenario: scenarios.Scenario
    reason: str  # of the first escalation
    owner: str
    customer: int  # index into the customers
    channel: str
    impact: int
    urgency: int
    mood: str
    steps: list[Step]
    rng: random.Random  # its own, so what it draws depends neither on the clock nor the order
    start: dt.datetime = field(default_factory=clock.now)
    values: dict[str, str] = field(default_factory=dict)


def plans(rng: random.Random, *, cases: int, customers: int) -> list[Plan]:
    """The cases to play, oldest first."""
    weights = [row[2] for row in CATEGORIES]
    out = []
    for status, (quota, newest, oldest) in QUOTAS.items():
        for number in range(max(1, round(quota * cases / DEFAULT_CASES))):
            own = random.Random(rng.getrandbits(64))
            name, _description, _weight, reasons, multi_hop = own.choices(
                CATEGORIES, weights=weights
            )[0]
            reason = own.choice(reasons)
            # Technical faults of these categories go straight to L3 (see content.RULES); the
            # rest start at L2. Further hops go one tier up each, to L4 at most.
            max_hops = (2 if reason == Reason.TECHNICAL_FAULT else 3) if multi_hop else 1
            hops = None
            if number == 0 and status in SHOWCASES:
                name, reason, hops = SHOWCASES[status]
            channel = _pick(own, CHANNELS)
            held = channel == Channel.PHONE and own.random() < ON_HOLD
            plan = Plan(
                status=status,
                category=name,
                scenario=own.choice(scenarios.SCENARIOS[name]),
                reason=reason,
                owner=own.choice(OPERATORS),
                customer=own.randrange(customers),
                channel=channel,
                impact=_pick(own, IMPACTS),
                urgency=_pick(own, URGENCIES),
                mood=_pick(own, COMPLAINT_MOODS if name == "クレーム" else MOODS),
                steps=steps(
                    own,
                    status,
                    max_hops,
                    hops,
                    held=held,
                    solved=number == 0 and status == SOLVED_WITH_AN_ARTICLE,
                ),
                rng=own,
            )
            _schedule(plan, newest, oldest)
            out.append(plan)
    return sorted(out, key=lambda p: p.start)


def _schedule(plan: Plan, newest: int, oldest: int) -> None:
    """Open the case during office hours ``newest``-``oldest`` days ago, early enough for all
    its steps to lie in the past."""
    rng = plan.rng
    start = clock.office_time(rng, rng.randint(newest, oldest))
    event_days_before = rng.randint(1, 20)
    took = dt.timedelta(minutes=sum(minutes for _service, minutes, _d in plan.steps) + 60)
    while start + took > clock.now():  # all its steps must lie in the past: a day earlier
        start -= dt.timedelta(days=1)
    plan.start = start
    event = start.date() - dt.timedelta(days=event_days_before)
    plan.values = {
        "product": rng.choice(phrases.PRODUCTS),
        "plan": rng.choice(phrases.PLANS),
        "order": f"A{rng.randint(10_000_000, 99_999_999)}",
        "amount": f"{rng.choice([1980, 2750, 3300, 4980, 5500, 8800, 10780, 16500]):,}",
        "date": f"{event.month}月{event.day}日",
    }


def steps(
    rng: random.Random,
    status: str,
    max_hops: int,
    hops: int | None = None,
    *,
    held: bool = False,
    solved: bool = False,
) -> list[Step]:
    """The services (after ``case_create``) that take a case to ``status``; with ``hops``,
    through an escalation of that many hops; ``held``: the first escalation is live;
    ``solved``: a resolved case is solved with an article at L1."""

    def m(low: int, high: int) -> int:
        return rng.randint(low, high)

    def chain(end: str, hops: int | None = hops, held: bool = held) -> list[Step]:
        if hops is None:
            hops = min(max_hops, rng.choices([1, 2, 3], weights=[60, 30, 10])[0])
        out: list[Step] = [("case_escalate", m(10, 90), "on_hold" if held else "")]
        acknowledged = False
        if held and hops == 1 and end != S.ESCALATED and rng.random() < 0.6:
            out += [("case_acknowledge", m(1, 2), ""), ("hold_end", m(1, 4), HoldOutcome.ANSWERED)]
            acknowledged = True
        elif held:
            out += [("hold_end", m(1, 3), HoldOutcome.CALLBACK), ("callback_promise", 0, "")]
            out.append(("callback_keep", m(30, 110), ""))
        for _hop in range(hops - 1):
            if rng.random() < 0.7:
                out.append(("case_acknowledge", m(3, 90), ""))
            if rng.random() < 0.4:
                out.append(("case_add_note", m(10, 120), NoteKind.INTERNAL))
            out.append(("case_escalate", m(30, 300), ""))
        if end == S.ESCALATED:
            return out
        if not acknowledged:
            out.append(("case_acknowledge", m(3, 120) if rng.random() < 0.8 else m(120, 600), ""))
        if rng.random() < 0.4:
            out.append(("case_add_note", m(10, 120), NoteKind.INTERNAL))
        if end == S.ACKNOWLEDGED:
            return out
        out.append(("case_return_to_owner", m(30, 600) if hops == 1 else m(240, 2880), ""))
        return out

    told: Step = ("case_add_note", m(10, 90), "answer_told")  # the answer, told the customer
    if status == S.NEW:
        return [("case_add_note", m(5, 60), "follow_up")] if rng.random() < 0.3 else []
    out: list[Step] = [("case_start_work", m(1, 15), "")]
    if rng.random() < 0.5:
        out.append(("case_add_note", m(5, 45), "follow_up"))
    if status in (S.ESCALATED, S.ACKNOWLEDGED, S.RETURNED):
        return out + chain(status)
    if status == S.IN_PROGRESS:
        variant = rng.choices(["plain", "resumed", "reopened", "answered"], [40, 20, 15, 25])[0]
        if variant == "resumed":
            out += [("case_wait_for_customer", m(10, 60), ""), ("case_resume", m(600, 4320), "")]
        elif variant == "reopened":
            out += [("case_resolve", m(10, 120), ""), ("case_reopen", m(1440, 4320), "")]
        elif variant == "answered":
            out += chain(S.RETURNED) + [("case_start_work", m(5, 60), ""), told]
        return out
    if status == S.PENDING_CUSTOMER:
        if rng.random() < 0.5:
            out += chain(S.RETURNED) + [told]
        return out + [("case_wait_for_customer", m(5, 60), "")]
    # resolved or closed
    variant = rng.choices(["direct", "escalated", "waited", "twice"], [40, 40, 10, 10])[0]
    if hops is not None:
        variant = "escalated"
    if solved:
        variant = "direct"
    resolve: Step = ("case_resolve", m(5, 120), "")
    if variant == "direct" and (solved or rng.random() < 0.5):  # an article answered at L1
        resolve = ("case_solved_with", m(5, 30), "")
    elif variant == "escalated":
        out += chain(S.RETURNED) + [told]
    elif variant == "waited":
        out.append(("case_wait_for_customer", m(10, 60), ""))
        if rng.random() < 0.5:
            out.append(("case_resume", m(600, 4320), ""))
    elif variant == "twice":  # the answer did not satisfy the customer: escalated again
        out += chain(S.RETURNED, 1, False) + [("case_add_note", m(30, 240), "follow_up")]
        out += chain(S.RETURNED, 1, False) + [told]
    out.append(resolve)
    if status == S.CLOSED:
        if rng.random() < 0.1:
            out += [("case_reopen", m(1440, 4320), ""), ("case_resolve", m(60, 600), "")]
        out.append(("case_close", m(1440, 7200), ""))
    return out
