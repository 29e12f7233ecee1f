"""Give the roles their permissions on the synonym dictionary (accounts/roles.py)."""

from django.db import migrations

from accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_search_postings_synonyms")]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
