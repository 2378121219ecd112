import django.db.models.deletion
from django.db import migrations, models

import articles.models


class Migration(migrations.Migration):
    """Body blocks, first step: the new kinds of block and the fields every block has.

    Bodies are still HTML with numbered placeholders here; 0011 turns them into blocks,
    0012 removes the placeholders' fields.
    """

    dependencies = [
        ("articles", "0009_versions_forget_the_lead"),
    ]

    operations = [
        migrations.CreateModel(
            name="Embed",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("region", models.CharField(default="body", max_length=20)),
                (
                    "ordering",
                    models.IntegerField(
                        default=0,
                        help_text="Blocks are shown in order of this number.",
                        verbose_name="position",
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        default=articles.models.new_block_key, editable=False, max_length=40
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        help_text="The address of the video or post, as you would share it.",
                        max_length=500,
                        verbose_name="address",
                    ),
                ),
                ("provider", models.CharField(editable=False, max_length=40)),
            ],
            options={
                "ordering": ["ordering", "pk"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ReadMore",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("region", models.CharField(default="body", max_length=20)),
                (
                    "ordering",
                    models.IntegerField(
                        default=0,
                        help_text="Blocks are shown in order of this number.",
                        verbose_name="position",
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        default=articles.models.new_block_key, editable=False, max_length=40
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        blank=True, help_text="…or a page elsewhere.", verbose_name="external URL"
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        blank=True, help_text="Link text for an external URL.", max_length=200
                    ),
                ),
            ],
            options={
                "verbose_name": "READ MORE link",
                "ordering": ["ordering", "pk"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="TextBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("region", models.CharField(default="body", max_length=20)),
                (
                    "ordering",
                    models.IntegerField(
                        default=0,
                        help_text="Blocks are shown in order of this number.",
                        verbose_name="position",
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        default=articles.models.new_block_key, editable=False, max_length=40
                    ),
                ),
                (
                    "text",
                    models.TextField(
                        help_text="Paragraphs, headings and lists, with bold, italic and links."
                    ),
                ),
            ],
            options={
                "verbose_name": "text",
                "verbose_name_plural": "text",
                "ordering": ["ordering", "pk"],
                "abstract": False,
            },
        ),
        migrations.AlterModelOptions(
            name="bodyphoto",
            options={
                "ordering": ["ordering", "pk"],
                "verbose_name": "photo",
                "verbose_name_plural": "photos",
            },
        ),
        migrations.AlterModelOptions(
            name="quote",
            options={"ordering": ["ordering", "pk"]},
        ),
        migrations.AlterModelOptions(
            name="relatedlink",
            options={"ordering": ["position", "pk"]},
        ),
        migrations.AddField(
            model_name="article",
            name="body_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="bodyphoto",
            name="caption",
            field=models.TextField(
                blank=True,
                help_text="Leave empty to show the photo's own caption. Plain text.",
                verbose_name="caption here",
            ),
        ),
        migrations.AddField(
            model_name="bodyphoto",
            name="credit",
            field=models.CharField(
                blank=True,
                help_text="Leave empty to show the photo's own credit, e.g. “Photo by NAME/AGENCY”.",
                max_length=250,
                verbose_name="credit here",
            ),
        ),
        migrations.AddField(
            model_name="bodyphoto",
            name="key",
            field=models.CharField(default="", editable=False, max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="bodyphoto",
            name="ordering",
            field=models.IntegerField(
                default=0,
                help_text="Blocks are shown in order of this number.",
                verbose_name="position",
            ),
        ),
        migrations.AddField(
            model_name="bodyphoto",
            name="region",
            field=models.CharField(default="body", max_length=20),
        ),
        migrations.AddField(
            model_name="quote",
            name="key",
            field=models.CharField(default="", editable=False, max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="quote",
            name="ordering",
            field=models.IntegerField(
                default=0,
                help_text="Blocks are shown in order of this number.",
                verbose_name="position",
            ),
        ),
        migrations.AddField(
            model_name="quote",
            name="region",
            field=models.CharField(default="body", max_length=20),
        ),
        migrations.AddField(
            model_name="relatedlink",
            name="position",
            field=models.PositiveSmallIntegerField(default=0, help_text="Order in the sidebar."),
        ),
        migrations.AlterField(
            model_name="relatedlink",
            name="target",
            field=models.ForeignKey(
                blank=True,
                help_text="Another article of ours (search by headline)…",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="articles.article",
            ),
        ),
        migrations.AddField(
            model_name="embed",
            name="article",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="embeds",
                to="articles.article",
            ),
        ),
        migrations.AddField(
            model_name="readmore",
            name="article",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="read_mores",
                to="articles.article",
            ),
        ),
        migrations.AddField(
            model_name="readmore",
            name="target",
            field=models.ForeignKey(
                blank=True,
                help_text="Another article of ours (search by headline)…",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="articles.article",
            ),
        ),
        migrations.AddField(
            model_name="textblock",
            name="article",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="text_blocks",
                to="articles.article",
            ),
        ),
        migrations.AddConstraint(
            model_name="readmore",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("target__isnull", False), ("url", "")),
                    models.Q(
                        ("target__isnull", True),
                        models.Q(("url", ""), _negated=True),
                        models.Q(("title", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="read_more_has_one_destination",
                violation_error_message="Choose either one of our articles, or an external URL with a title.",
            ),
        ),
    ]
