"""Building the whole demo: the subjects in order (see the package's docstring)."""

from __future__ import annotations

import random

from demo import (
    cases,
    clock,
    content,
    knowledge,
    live,
    nudges,
    oncall,
    organisation,
    review_changes,
)
from demo.play import Cast, play
from demo.sla import load_sla
from knowledge.repeats import check_repeats

SEED = 2026
SETUP_DAYS_AGO = 240  # people, teams, rules and customers were set up this long ago


def build(*, cases_wanted: int = cases.DEFAULT_CASES, seed: int = SEED) -> None:
    rng = random.Random(seed)
    with clock.at(clock.days_ago(SETUP_DAYS_AGO)) as setup:
        users = organisation.load_people()
        teams = organisation.load_teams(users)
        categories = content.load_categories(users["admin"])
        rules = content.load_rules(users, teams, categories)
        customers = content.load_customers(rng, users["admin"], setup)
    articles = knowledge.load_articles(random.Random(seed + 2), users, categories)
    cast = Cast(
        users=users,
        present=organisation.present_members(teams),
        categories=categories,
        customers=customers,
        articles=articles,
    )
    for plan in cases.plans(rng, cases=cases_wanted, customers=len(customers)):
        play(plan, cast)
    load_sla(admin=users["admin"], categories=categories, rng=random.Random(seed + 1))
    nudges.load_nudges(users, categories)  # before the live hold: it gets a hold nudge too
    live.load_live(users, categories)
    organisation.review_teams(users, teams)
    content.review_rules(users, rules)
    # the dashboard's repeat escalations, without waiting for the worker's first check
    check_repeats(max_batches=None)
    review_changes.change_after_reviews(users, teams, rules)
    oncall.load_oncall(users, teams, setup=setup)
