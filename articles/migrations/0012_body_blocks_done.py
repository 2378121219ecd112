from django.conf import settings
from django.db import migrations, models

import articles.models

INDEX_NAME = "article_search_idx"


def document(config, body):
    """The search document of ``articles.search.document()``, written out as of then."""
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("headline", weight="A", config=config)
        + SearchVector("kicker", weight="A", config=config)
        + SearchVector("standfirst", weight="B", config=config)
        + SearchVector(body, weight="C", config=config)
    )


def index_on(body):
    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        from django.contrib.postgres.indexes import GinIndex

        article = apps.get_model("articles", "Article")
        index = GinIndex(document(settings.SEARCH_CONFIG, body), name=INDEX_NAME)
        schema_editor.add_index(article, index)

    return create


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    """Body blocks, last step: the placeholders' fields go; search indexes ``body_text``."""

    dependencies = [
        ("articles", "0011_body_to_blocks"),
    ]

    operations = [
        migrations.RunPython(drop_index, index_on("body"), elidable=False),
        migrations.RemoveConstraint(
            model_name="bodyphoto",
            name="unique_body_photo_number",
        ),
        migrations.RemoveConstraint(
            model_name="quote",
            name="unique_quote_number",
        ),
        migrations.RemoveConstraint(
            model_name="relatedlink",
            name="unique_related_link_number",
        ),
        migrations.RemoveField(
            model_name="article",
            name="body",
        ),
        migrations.RemoveField(
            model_name="bodyphoto",
            name="number",
        ),
        migrations.RemoveField(
            model_name="quote",
            name="number",
        ),
        migrations.RemoveField(
            model_name="relatedlink",
            name="number",
        ),
        migrations.RemoveField(
            model_name="relatedlink",
            name="placement",
        ),
        migrations.AddConstraint(
            model_name="bodyphoto",
            constraint=models.UniqueConstraint(
                fields=("article", "key"), name="unique_bodyphoto_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.UniqueConstraint(fields=("article", "key"), name="unique_quote_key"),
        ),
        migrations.AddConstraint(
            model_name="embed",
            constraint=models.UniqueConstraint(fields=("article", "key"), name="unique_embed_key"),
        ),
        migrations.AddConstraint(
            model_name="readmore",
            constraint=models.UniqueConstraint(
                fields=("article", "key"), name="unique_readmore_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="textblock",
            constraint=models.UniqueConstraint(
                fields=("article", "key"), name="unique_textblock_key"
            ),
        ),
        migrations.AlterField(
            model_name="quote",
            name="key",
            field=models.CharField(
                default=articles.models.new_block_key, editable=False, max_length=40
            ),
        ),
        migrations.AlterField(
            model_name="bodyphoto",
            name="key",
            field=models.CharField(
                default=articles.models.new_block_key, editable=False, max_length=40
            ),
        ),
        migrations.RunPython(index_on("body_text"), drop_index, elidable=False),
    ]
