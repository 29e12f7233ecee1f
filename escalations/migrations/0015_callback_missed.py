"""A callback can be missed by hand (``callback_miss``): a new status, no data to change."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('escalations', '0012_customer_lookup_keys'),
    ]

    operations = [
        migrations.AlterField(
            model_name='callback',
            name='status',
            field=models.CharField(choices=[('promised', 'Promised'), ('kept', 'Kept'), ('missed', 'Missed')], default='promised', max_length=10, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='historicalcallback',
            name='status',
            field=models.CharField(choices=[('promised', 'Promised'), ('kept', 'Kept'), ('missed', 'Missed')], default='promised', max_length=10, verbose_name='status'),
        ),
    ]
