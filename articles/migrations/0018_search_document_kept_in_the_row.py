"""On PostgreSQL, an article's row keeps its search document (compressed) beside it.

A search ranks the newest matches from their stored documents. Rows over 2 kB had theirs
moved out of line, so ranking a thousand matches read three times as many pages (the
document's TOAST chunks and their index) as finding them; kept in the row, it reads one
page a match. Rows written from now on are stored so; ``VACUUM FULL articles_article``
rewrites the existing ones.
"""

from django.db import migrations

TABLE = "articles_article"


def keep_in_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (toast_tuple_target = 8160)")


def move_out_of_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0017_listing_article_indexes"),
    ]

    operations = [migrations.RunPython(keep_in_row, move_out_of_row, elidable=False)]
