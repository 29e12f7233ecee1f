from django.db import migrations

from accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("escalations", "0008_notification_moved"),
        ("integrations", "0003_alter_webhookdelivery_notification"),
    ]

    operations = [
        migrations.AlterModelTable(name="notification", table=None),
        # the roles name the outbox's permissions by their new app
        migrations.RunPython(migrate_roles, migrations.RunPython.noop),
    ]
