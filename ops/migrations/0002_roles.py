"""Give managers and administrators ``ops.view_clock_status`` (accounts/roles.py): the clock
banner on admin pages."""

from django.db import migrations

from accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0001_initial"),
        ("accounts", "0005_team_review"),
        ("audit", "0002_audit_roles"),
        ("escalations", "0006_history_indexes_read_paths_only"),
        ("integrations", "0002_roles"),
        ("knowledge", "0002_roles"),
        ("reports", "0005_dashboard_now_indexes"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
