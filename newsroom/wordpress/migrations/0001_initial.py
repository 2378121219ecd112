"""Takes over ImportedItem from the ``newsroom`` app, keeping its table and its rows."""

from django.db import migrations, models


def adopt_content_type(apps, schema_editor, old="newsroom", new="wordpress"):
    """Permissions and admin history follow the model: its content type changes app."""
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label=old, model="importeditem").update(app_label=new)


def return_content_type(apps, schema_editor):
    adopt_content_type(apps, schema_editor, old="wordpress", new="newsroom")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("newsroom", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportedItem",
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
                            "kind",
                            models.CharField(
                                choices=[
                                    ("post", "Post → article"),
                                    ("attachment", "Attachment → photo"),
                                    ("media", "Image address → photo"),
                                    ("comment", "Comment"),
                                    ("author", "Author"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("wp_id", models.CharField(max_length=255, verbose_name="WordPress ID")),
                        ("object_id", models.BigIntegerField()),
                        (
                            "sticky",
                            models.BooleanField(
                                default=False,
                                help_text="Sticky on WordPress: the old site kept it at the top.",
                            ),
                        ),
                        ("imported_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "newsroom_importeditem",
                        "ordering": ["kind", "pk"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("kind", "wp_id"), name="unique_imported_item"
                            )
                        ],
                    },
                )
            ],
            database_operations=[],
        ),
        migrations.RunPython(adopt_content_type, return_content_type, elidable=True),
    ]
