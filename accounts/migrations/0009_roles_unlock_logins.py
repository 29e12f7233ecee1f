"""Administrators see and lift login locks (django-axes; accounts/roles.py)."""

from django.db import migrations

from accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_webhook_secret_generated"),
        ("axes", "0010_accessattemptexpiration"),
        ("reports", "0002_roles"),
        ("escalations", "0005_hold_callback"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
