"""Indexes for the dashboard's "now" figures and its live per-day queries (see bench/README.md,
"Manager dashboard", for the plans they give at 1,000,000 cases):

- open cases by status and tier (and team): a partial index over the open cases only, covering
  what the count groups and filters by (and the id: a team's breached cases are its open cases
  with a late timer), so PostgreSQL reads them with an index-only scan;
- breached now: the running timers by case and deadline (index-only, in case order: the distinct
  cases come without a sort);
- at risk now: the running timers a warning has fired on (few);
- the live part of the range (the days not rolled up yet): timers by stop time and cases by
  resolution time covering what the per-day queries read (index-only scans instead of a heap
  page per row; they replace 0003's narrower ones), escalations by acknowledgement and answer,
  and cases (hops) by id covering what those queries read of them.

Created with SQL valid on PostgreSQL and SQLite, in this app, like 0003."""

from django.db import migrations

RUNNING = "stopped_at IS NULL AND running_since IS NOT NULL"
INDEXES = {
    "report_case_open_idx": (
        "escalations_case (status, tier, owner_team_id, assigned_team_id, id) "
        "WHERE status NOT IN ('resolved', 'closed')"
    ),
    "report_timer_running_case_idx": (
        f"escalations_slatimer (case_id, due_at, next_level) WHERE {RUNNING}"
    ),
    "report_timer_warned_idx": (
        f"escalations_slatimer (due_at, case_id) "
        f"WHERE {RUNNING} AND (next_level IS NULL OR next_level <> 1)"
    ),
    "report_timer_stopped_cover_idx": (
        "escalations_slatimer (stopped_at, case_id, escalation_id, met) "
        "WHERE stopped_at IS NOT NULL"
    ),
    "report_case_resolved_cover_idx": (
        "escalations_case (resolved_at, status, owner_team_id, assigned_team_id, id) "
        "WHERE resolved_at IS NOT NULL"
    ),
    # the live per-day queries join a few thousand timers or escalations to their case (and
    # hop): with these PostgreSQL looks them up index-only instead of hashing every case
    "report_case_cover_idx": (
        "escalations_case (id, priority, owner_team_id, assigned_team_id, category_id, created_at)"
    ),
    "report_escalation_tier_idx": "escalations_escalation (id, to_tier)",
    "report_escalation_acknowledged_idx": (
        "escalations_escalation (acknowledged_at) WHERE acknowledged_at IS NOT NULL"
    ),
    "report_escalation_answered_idx": (
        "escalations_escalation (answered_at) WHERE answered_at IS NOT NULL"
    ),
}

REPLACED = {  # 0003's, now covered by the ones above
    "report_timer_stopped_idx": "escalations_slatimer (stopped_at) WHERE stopped_at IS NOT NULL",
    "report_case_resolved_idx": "escalations_case (resolved_at) WHERE resolved_at IS NOT NULL",
}


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_daily_figures")]

    operations = [
        *(
            migrations.RunSQL(
                f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
                f"DROP INDEX IF EXISTS {name}",
            )
            for name, target in INDEXES.items()
        ),
        *(
            migrations.RunSQL(
                f"DROP INDEX IF EXISTS {name}",
                f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            )
            for name, target in REPLACED.items()
        ),
    ]
