from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_table_name")]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sent", "Sent"),
                    ("failed", "Failed (gave up)"),
                    ("cancelled", "Cancelled (subscription deactivated)"),
                ],
                default="pending",
                max_length=10,
                verbose_name="status",
            ),
        ),
    ]
