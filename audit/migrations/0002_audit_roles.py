"""Give managers and administrators the audit log (accounts/roles.py)."""

from django.db import migrations

from accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_log"),
        ("escalations", "0003_sla_roles"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
