"""A GIN index for full-text search, on PostgreSQL only.

The indexed expression is ``articles.search.document()`` as of this migration, written
out here so later edits to the search code cannot change what this migration does; a
test checks that searches use the index. SQLite has no such index and searches without.
"""

from django.conf import settings
from django.db import migrations

INDEX_NAME = "article_search_idx"


def document(config):
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("headline", weight="A", config=config)
        + SearchVector("kicker", weight="A", config=config)
        + SearchVector("standfirst", weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex

    article = apps.get_model("articles", "Article")
    schema_editor.add_index(article, GinIndex(document(settings.SEARCH_CONFIG), name=INDEX_NAME))


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_photo_renditions"),
    ]

    # The index lives in the database only, not in the model state: SQLite cannot have it.
    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
