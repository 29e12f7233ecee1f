"""Give the roles their knowledge-base permissions (accounts/roles.py)."""

from django.db import migrations

from accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_team_webhook_secret"),
        ("escalations", "0003_sla_roles"),
        ("knowledge", "0001_initial"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
