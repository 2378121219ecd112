"""The search document, stored: a ``tsvector`` column kept by a trigger, GIN-indexed.

Until now the GIN index was built on an expression, so matching used it but ranking parsed
every matching article's text again (``to_tsvector`` per row): a search for common words
cost more the larger the archive. The trigger writes the same weighted document as the
old index held whenever an article is inserted or any of its searched columns change; the
index of the same name is rebuilt on the column. PostgreSQL only: on SQLite the column
stays empty and search reads the text itself (``articles.search``).

Quotes (speaker, role, words) get a GIN index on the document search matches them by,
so finding the articles with a matching quote reads no quote it does not match.

The language (``SEARCH_CONFIG``) is fixed in the trigger and indexes when this migration runs.
"""

import importlib
import re

import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations

INDEX_NAME = "article_search_idx"
QUOTE_INDEX_NAME = "quote_search_idx"
TRIGGER = "article_search_document"
SEARCHED = ("headline", "kicker", "standfirst", "body_text")


def weighted(config: str) -> str:
    parts = zip(SEARCHED, "AABC", strict=True)
    return " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(NEW.{column}, '')), '{weight}')"
        for column, weight in parts
    )


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    config = settings.SEARCH_CONFIG
    if not re.fullmatch(r"[A-Za-z_][\w.]*", config):
        raise ValueError(f"SEARCH_CONFIG is not a text search configuration name: {config!r}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    schema_editor.execute(
        f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"NEW.search_document := {weighted(config)}; RETURN NEW; END $$"
    )
    # Any write of a searched column (or of the document itself) recomputes the document.
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE INSERT OR UPDATE OF {', '.join(SEARCHED)}, "
        f"search_document ON articles_article FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
    )
    schema_editor.execute("UPDATE articles_article SET search_document = NULL")
    schema_editor.execute(
        f"CREATE INDEX {INDEX_NAME} ON articles_article USING gin (search_document)"
    )
    schema_editor.add_index(apps.get_model("articles", "Quote"), quote_index(config))


def quote_index(config: str):
    """As ``articles.search`` matches quotes, written out as of this migration."""
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    document = SearchVector("speaker", "speaker_role", "text", config=config)
    return GinIndex(document, name=QUOTE_INDEX_NAME)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {QUOTE_INDEX_NAME}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON articles_article")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    # Back to the index on the expression, as migration 0012 left it.
    before = importlib.import_module("articles.migrations.0012_body_blocks_done")
    before.index_on("body_text")(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_editors_edit_pages"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
