"""Give the roles their SLA permissions (accounts/roles.py)."""

from django.db import migrations

from accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_team_webhook_secret"),
        ("escalations", "0002_sla"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
