"""The Japanese demo data of ``manage.py load_demo_data``, by subject, written through the
services (the one way to change anything) at the story's times (:mod:`.clock`):

- :mod:`.organisation` -- people and roles, teams, an absence with its delegate;
- :mod:`.content` -- categories, the escalation matrix, customers;
- :mod:`.knowledge` -- published articles and drafts in review;
- :mod:`.cases` and :mod:`.play` -- about 300 cases in every status, with holds and callbacks;
- :mod:`.sla` -- calendars, policies (with hold targets) and the running timers;
- :mod:`.live` -- what happens as the demo opens: a customer on hold, callbacks due and missed;
- reviews of rules, team contact lists and articles, some overdue and some due soon.

Deterministic (``random.Random(SEED)``); the command runs :func:`build` in one transaction.
"""

from __future__ import annotations

import random

from escalations.management.demo import cases, clock, content, knowledge, live, organisation
from escalations.management.demo.play import Cast, play
from escalations.management.demo.sla import load_sla

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
    live.load_live(users, categories)
    organisation.review_teams(users, teams)
    content.review_rules(users, rules)
