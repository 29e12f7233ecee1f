"""Every person marked absent today gets an absence period (from now until their until-time,
or open), so the periods are the one source of absence and the every-minute sync keeps them.
And the roles get the on-call rotation permissions (accounts/roles.py)."""

from django.db import migrations
from django.utils import timezone

from accounts.roles import migrate_roles


def flags_to_periods(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AbsencePeriod = apps.get_model("accounts", "AbsencePeriod")
    now = timezone.now()
    AbsencePeriod.objects.bulk_create(
        AbsencePeriod(
            user_id=user.pk,
            starts_at=now,
            ends_at=user.absent_until if user.absent_until and user.absent_until > now else None,
            reason="other",
            delegate_id=user.delegate_id,
        )
        for user in User.objects.filter(is_absent=True)
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0012_absence_periods_on_call")]

    operations = [
        migrations.RunPython(flags_to_periods, migrations.RunPython.noop),
        migrations.RunPython(migrate_roles, migrations.RunPython.noop),
    ]
