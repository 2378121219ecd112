"""LegacyPath and ImportedItem now belong to newsroom.redirects and newsroom.wordpress.

Only Django's idea of which app owns them changes: the tables stay as they are, under
their old names, and those apps' first migrations take the models over.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_initial"),
        ("redirects", "0001_initial"),
        ("wordpress", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ImportedItem"),
                migrations.DeleteModel(name="LegacyPath"),
            ],
            database_operations=[],
        )
    ]
