"""Per-person notification preferences: which kinds raise a desktop notification and which go
by email (defaults: the loud kinds on the desktop, every kind by email); an email of a kind its
recipient turned off is not sent. Managers and supervisors see who in their teams has desktop
alerts off (``notifications.view_inboxsettings``, accounts/roles.py)."""

import notifications.models
from django.db import migrations, models

from accounts.roles import migrate_roles


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0004_in_app_inbox'),
        ('accounts', '0009_roles_unlock_logins'),
    ]

    operations = [
        migrations.AddField(
            model_name='inboxsettings',
            name='desktop_kinds',
            field=models.JSONField(blank=True, default=notifications.models.default_desktop_kinds, help_text='The kinds that raise a desktop notification and a sound (when on).', verbose_name='desktop notification for'),
        ),
        migrations.AddField(
            model_name='inboxsettings',
            name='email_kinds',
            field=models.JSONField(blank=True, default=notifications.models.default_email_kinds, help_text='The kinds also sent by email (those that have an email).', verbose_name='email for'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed (gave up)'), ('cancelled', 'Cancelled (subscription deactivated)'), ('not_wanted', 'Not sent (the recipient turned this kind off)')], default='pending', max_length=10, verbose_name='status'),
        ),
        migrations.RunPython(migrate_roles, migrations.RunPython.noop),
    ]
