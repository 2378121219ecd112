"""Takes over LegacyPath from the ``newsroom`` app, keeping its table and its rows."""

import django.db.models.deletion
from django.db import migrations, models


def adopt_content_type(apps, schema_editor, old="newsroom", new="redirects"):
    """Permissions and admin history follow the model: its content type changes app."""
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label=old, model="legacypath").update(app_label=new)


def return_content_type(apps, schema_editor):
    adopt_content_type(apps, schema_editor, old="redirects", new="newsroom")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("articles", "0008_lead_story"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("newsroom", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LegacyPath",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "path",
                            models.CharField(
                                help_text="Path of the old address, e.g. “/2019/05/03/old-slug/” or “/?p=123”.",
                                max_length=500,
                                unique=True,
                            ),
                        ),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="legacy_paths",
                                to="articles.article",
                            ),
                        ),
                    ],
                    options={"db_table": "newsroom_legacypath", "ordering": ["path"]},
                )
            ],
            database_operations=[],
        ),
        migrations.RunPython(adopt_content_type, return_content_type, elidable=True),
    ]
