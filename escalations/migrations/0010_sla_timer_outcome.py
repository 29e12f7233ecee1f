"""SLA timers get an outcome: met, missed, or superseded (its hop was handed on to another tier
before the deadline: neither met nor missed).

Until now a hop escalated further (by a person, or by the sweep after its acknowledgement
breached) had its running timers stopped with ``met=True`` when their deadline had not passed,
so compliance counted answers that never came as met. Such a timer is recognised by its stop:
its hop was escalated further, and the next hop of the case was requested at the very moment
the timer stopped (``escalate_cases`` stops the old hop's timers with the new hop's
``requested_at``). Those become superseded (``met`` empty, out of the compliance figures). A
timer whose breach was recorded is missed. The other stopped timers keep what they were, now
written as an outcome too.

Days already rolled up keep their old compliance counts: rebuild them with
``manage.py rollup_days --start <first day> --end <last day>``."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def forwards(apps, schema_editor):
    SLATimer = apps.get_model("escalations", "SLATimer")
    Escalation = apps.get_model("escalations", "Escalation")
    # a timer whose breach was recorded (and notified) missed its target, whatever its stop said
    SLATimer.objects.filter(met=True, events__level=3).update(met=False)
    handed_on = Escalation.objects.filter(
        case_id=OuterRef("case_id"),
        number=OuterRef("escalation__number") + 1,
        requested_at=OuterRef("stopped_at"),
    )
    superseded = SLATimer.objects.filter(
        met=True,
        stopped_at__isnull=False,
        escalation__outcome="escalated_further",
    ).filter(Exists(handed_on))
    # by id: UPDATE … WHERE over a join is not portable
    ids = list(superseded.values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        SLATimer.objects.filter(pk__in=ids[start : start + 1000]).update(
            outcome="superseded", met=None
        )
    SLATimer.objects.filter(stopped_at__isnull=False, met=True).update(outcome="met")
    SLATimer.objects.filter(stopped_at__isnull=False, met=False).update(outcome="missed")
    # a stopped timer with no verdict at all cannot be told apart: superseded is the honest word
    SLATimer.objects.filter(stopped_at__isnull=False, met__isnull=True, outcome="").update(
        outcome="superseded"
    )


def backwards(apps, schema_editor):
    SLATimer = apps.get_model("escalations", "SLATimer")
    # the old model had no word for superseded: a stop before the deadline was "met"
    SLATimer.objects.filter(outcome="superseded").update(met=True)


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0009_link_notes_and_hops_to_their_transitions"),
    ]

    operations = [
        migrations.AddField(
            model_name="slatimer",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("met", "Met"),
                    ("missed", "Missed"),
                    ("superseded", "Superseded (handed on before the deadline)"),
                ],
                help_text="Empty while running or paused.",
                max_length=12,
                verbose_name="outcome",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
