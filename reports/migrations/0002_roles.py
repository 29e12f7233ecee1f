"""Give managers and supervisors the dashboard's permissions (accounts/roles.py)."""

from django.db import migrations

from accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_review"),
        ("audit", "0002_audit_roles"),
        ("integrations", "0002_roles"),
        ("knowledge", "0002_roles"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
