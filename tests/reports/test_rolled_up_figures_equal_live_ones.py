"""The dashboard's figures read from the rollup (finished days) plus the live queries (the
others) equal the figures computed live only: on the hand-made world, and on small random
worlds (several days, teams, tiers, priorities, reasons; hops acknowledged and answered on
later days; today's events live)."""

import datetime as dt
import random

import pytest

from escalations import services
from escalations.priority import Impact, Urgency
from knowledge import services as knowledge
from knowledge.search import Hit
from reports.models import DailyFigure, RolledUpDay
from reports.rollup import rollup_finished_days
from reports.selectors import Filters
from tests.factories import HANDOFF, CategoryFactory, make_case, make_sla_policy
from tests.reports.conftest import DAY, START, all_figures, at

DAYS = 6
NOW = 60 * 24 * (DAYS - 1) + 60  # minutes from START: 11:00 on the sixth day ("today")
TODAY = DAY + dt.timedelta(days=DAYS - 1)
REASONS = ["knowledge_gap", "complaint", "beyond_authority", "technical_fault", "other"]


def ranges(teams) -> list[Filters]:
    whole = {"start": DAY, "end": TODAY}
    return [
        Filters(**whole),
        Filters(**whole, period="week"),
        *(Filters(**whole, team=team) for team in teams),
        Filters(start=DAY + dt.timedelta(days=2), end=TODAY),
        Filters(start=TODAY, end=TODAY),
        Filters(start=DAY + dt.timedelta(days=1), end=DAY + dt.timedelta(days=3)),
        Filters(start=DAY - dt.timedelta(days=40), end=DAY - dt.timedelta(days=1)),
    ]


def test_on_the_hand_made_world(world, org, other_l1_team):
    with at(60 * 24 * 2):  # two days later
        live = {f: all_figures(f, rollups=False) for f in ranges([*org.values(), other_l1_team])}
        assert rollup_finished_days()
        for filters, figures in live.items():
            assert all_figures(filters) == figures, filters
    assert live[Filters(start=DAY, end=TODAY)]["solved_at_l1"].total == 2


class RandomWorld:
    def __init__(self, seed, people, article):
        self.rng = random.Random(seed)
        self.people = people
        self.article = article
        self.categories = [CategoryFactory(name="請求・料金"), CategoryFactory(name="配送")]

    def later(self, minutes: float, low: int, high: int) -> float:
        return minutes + self.rng.randint(low, high)

    def play(self, cases: int) -> None:
        for _ in range(cases):
            self.play_case(self.rng.randrange(DAYS) * 60 * 24 + self.rng.randrange(20 * 60))

    def play_case(self, t: float) -> None:
        rng, p = self.rng, self.people
        owner = rng.choice([p["operator"], p["colleague"], p["outsider"]])
        with at(t):
            case = make_case(
                owner=owner,
                category=rng.choice(self.categories),
                impact=rng.choice(Impact.values),
                urgency=rng.choice(Urgency.values),
            )
        steps = [(self.later(t, 1, 40), services.case_start_work, {"case": case, "actor": owner})]
        path = rng.random()
        if path < 0.55:
            t = self.later(steps[-1][0], 1, 300)
            if rng.random() < 0.4:
                hit = Hit("article", self.article.pk, self.article.title, "", 1.0, 2)
                steps.append(
                    (
                        t - 1,
                        knowledge.deflection_record,
                        {"case": case, "actor": owner, "query": "請求", "hits": [hit]},
                    )
                )
            reason = rng.choice(REASONS)
            steps.append(
                (
                    t,
                    services.case_escalate,
                    {"case": case, "actor": owner, "reason": reason, "handoff": HANDOFF},
                )
            )
            sv = p["supervisor"]
            if rng.random() < 0.8:
                t = self.later(t, 1, 900)
                steps.append((t, services.case_acknowledge, {"case": case, "actor": sv}))
                if rng.random() < 0.25:
                    t = self.later(t, 1, 200)
                    steps.append(
                        (
                            t,
                            services.case_escalate,
                            {
                                "case": case,
                                "actor": sv,
                                "reason": "technical_fault",
                                "handoff": HANDOFF,
                            },
                        )
                    )
                    sv = p["specialist"]
                    t = self.later(t, 1, 600)
                    steps.append((t, services.case_acknowledge, {"case": case, "actor": sv}))
                if rng.random() < 0.7:
                    t = self.later(t, 1, 2000)
                    steps.append(
                        (
                            t,
                            services.case_return_to_owner,
                            {"case": case, "actor": sv, "answer": "回答"},
                        )
                    )
                    if rng.random() < 0.6:
                        t = self.later(t, 1, 600)
                        steps.append(
                            (
                                t,
                                services.case_resolve,
                                {"case": case, "actor": owner, "resolution": "解決"},
                            )
                        )
        elif path < 0.75:
            t = self.later(steps[-1][0], 1, 1500)
            steps.append(
                (
                    t,
                    knowledge.case_solved_with,
                    {"case": case, "article": self.article, "actor": owner},
                )
            )
        elif path < 0.9:
            t = self.later(steps[-1][0], 1, 1500)
            steps.append(
                (t, services.case_resolve, {"case": case, "actor": owner, "resolution": "解決"})
            )
        for when, service, kwargs in steps:
            if when >= NOW:  # not happened yet
                break
            with at(when):
                kwargs["case"].refresh_from_db()
                service(**kwargs)


@pytest.mark.parametrize("seed", [1, 2])
def test_on_a_random_world(
    seed, org, other_l1_team, operator, colleague, outsider, supervisor, specialist, article
):
    make_sla_policy()
    people = {
        "operator": operator,
        "colleague": colleague,
        "outsider": outsider,
        "supervisor": supervisor,
        "specialist": specialist,
    }
    RandomWorld(seed, people, article).play(40)
    with at(NOW):
        live = {f: all_figures(f, rollups=False) for f in ranges([*org.values(), other_l1_team])}
        assert rollup_finished_days()
        assert RolledUpDay.objects.filter(day__gte=DAY, day__lt=TODAY).count() == DAYS - 1
        # then the last finished days not rolled up (the workers down): counted live
        for not_rolled_up in (0, 1, 3):
            since = TODAY - dt.timedelta(days=not_rolled_up)
            DailyFigure.objects.filter(day__gte=since).delete()
            RolledUpDay.objects.filter(day__gte=since).delete()
            for filters, figures in live.items():
                assert all_figures(filters) == figures, (not_rolled_up, filters)
    # the worlds are not empty: every figure has something to compare
    whole = live[Filters(start=DAY, end=TODAY)]
    assert whole["compliance"]["tier"] and whole["escalations"] and whole["durations"]
    assert whole["solved_at_l1"].total and whole["suggested"] and whole["per_handler"]
    assert START.date() == DAY
