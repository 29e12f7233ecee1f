"""The outcome and ``met`` always agree; the breaches fired in a period are read through an
index (the dashboard's and the case list's "breached in the period")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0010_sla_timer_outcome"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="slatimer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("met__isnull", True), ("outcome", "")),
                    models.Q(("met", True), ("outcome", "met")),
                    models.Q(("met", False), ("outcome", "missed")),
                    models.Q(("met__isnull", True), ("outcome", "superseded")),
                    _connector="OR",
                ),
                name="sla_timer_outcome_matches_met",
            ),
        ),
        migrations.AddIndex(
            model_name="slaevent",
            index=models.Index(
                condition=models.Q(("level", 3)),
                fields=["fired_at"],
                name="sla_event_breach_time_idx",
            ),
        ),
    ]
