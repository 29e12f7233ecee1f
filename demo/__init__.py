"""The Japanese demo data of ``manage.py load_demo_data``, by subject, written through the
services (the one way to change anything) at the story's times (:mod:`.clock`):

- :mod:`.organisation` -- people and roles, teams, an absence with its delegate;
- :mod:`.content` -- categories, the escalation matrix, customers;
- :mod:`.knowledge` -- published articles and drafts in review;
- :mod:`.cases` and :mod:`.play` -- about 300 cases in every status, with holds and callbacks;
- :mod:`.sla` -- calendars, policies (with hold targets) and the running timers;
- :mod:`.live` -- what happens as the demo opens: a customer on hold, callbacks due and missed;
- reviews of rules, team contact lists and articles, some overdue and some due soon;
- :mod:`.review_changes` -- a rule and a team changed since their last review (the review
  pages' diff).

Deterministic (``random.Random(SEED)``); the command runs :func:`demo.build.build` in one
transaction.
"""
