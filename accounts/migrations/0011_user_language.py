"""A person chooses the language of their emails (Japanese by default, English)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0010_absences'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaluser',
            name='language',
            field=models.CharField(choices=[('ja', 'Japanese'), ('en', 'English')], default='ja', help_text='The language of the emails sent to this person.', max_length=5, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='user',
            name='language',
            field=models.CharField(choices=[('ja', 'Japanese'), ('en', 'English')], default='ja', help_text='The language of the emails sent to this person.', max_length=5, verbose_name='language'),
        ),
    ]
