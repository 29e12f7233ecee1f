"""The know-how figures rolled up per day (issue 20: ``repeats``, ``repeats_undecided`` and
``reusable``, see ``reports.knowhow_rows``), and the answered hops by answer time covering
what the live reusable answers count reads (index-only), in place of 0005's narrower index.
The index in SQL valid on PostgreSQL and SQLite, like 0003 and 0005."""

from django.db import migrations, models

ANSWERED = "escalations_escalation (answered_at) WHERE answered_at IS NOT NULL"
ANSWERED_COVER = (
    "escalations_escalation (answered_at, reusable, case_id, id) WHERE answered_at IS NOT NULL"
)


def forget_rolled_up_days(apps, schema_editor):
    """Days rolled up before this migration have no repeat or reusable-answer rows: kept, they
    would show 0 on the dashboard. Forgotten instead: the page counts them live (correct, if
    slower) until the rollup task (``reports.rollup_finished_days``, hourly: every day that is
    over and not rolled up) or ``manage.py rollup_days`` writes them again with every figure."""
    apps.get_model("reports", "DailyFigure").objects.all().delete()
    apps.get_model("reports", "RolledUpDay").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0006_hesitation_rollup'),
    ]

    operations = [
        migrations.AlterField(
            model_name='dailyfigure',
            name='figure',
            field=models.CharField(choices=[('compliance', 'SLA timers stopped (met / stopped)'), ('escalations', 'Escalations requested'), ('suggested', 'Escalations from L1 after a suggestion (suggested / requested)'), ('solved', 'Cases resolved (solved at L1 with an article / resolved)'), ('escalate', 'Time to escalate (first hops, by request day)'), ('acknowledge', 'Time to acknowledge (by acknowledgement day)'), ('answer', 'Time to answer (by answer day)'), ('work_to_escalate', 'Time from the start of work to the first hop'), ('hold_to_escalate', 'Time from the start of a hold to the hop further'), ('nudges_sent', 'Nudges sent (by sending day)'), ('nudges_followed', 'Nudges followed (by the day followed)'), ('repeats', 'Escalations from L1 repeating an answered question (repeats / all)'), ('repeats_undecided', 'Escalations from L1 not checked for repeats yet'), ('reusable', 'Answers called reusable (reusable / reusable or not)')], max_length=20, verbose_name='figure'),
        ),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS report_escalation_answered_cover_idx ON {ANSWERED_COVER}",
            "DROP INDEX IF EXISTS report_escalation_answered_cover_idx",
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS report_escalation_answered_idx",
            f"CREATE INDEX IF NOT EXISTS report_escalation_answered_idx ON {ANSWERED}",
        ),
        migrations.RunPython(forget_rolled_up_days, migrations.RunPython.noop),
    ]
