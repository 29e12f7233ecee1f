"""Indexes the dashboard's date-range figures use (escalations by request time, timers by
stop time, running timers by deadline, cases by resolution time).

Created here with SQL (valid on PostgreSQL and SQLite) rather than on the models of
``escalations`` so this branch adds no migration to that app; moving them to the models' Meta
later is a state-only change (``SeparateDatabaseAndState``)."""

from django.db import migrations

INDEXES = {
    "report_escalation_requested_idx": "escalations_escalation (requested_at)",
    "report_timer_stopped_idx": (
        "escalations_slatimer (stopped_at) WHERE stopped_at IS NOT NULL"
    ),
    "report_timer_running_due_idx": (
        "escalations_slatimer (due_at) WHERE stopped_at IS NULL AND running_since IS NOT NULL"
    ),
    "report_case_resolved_idx": "escalations_case (resolved_at) WHERE resolved_at IS NOT NULL",
}


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_roles")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES.items()
    ]
