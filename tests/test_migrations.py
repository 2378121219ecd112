"""A database made before a change of models migrates forward with every row intact."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# Where the previous release left the schema: LegacyPath and ImportedItem in the newsroom
# app, and article versions that kept the lead-story fields.
BEFORE = [
    ("articles", "0008_lead_story"),
    ("newsroom", "0001_initial"),
    ("redirects", None),
    ("wordpress", None),
]


# The models those rows are written with: the schema at those nodes, and what they use.
BEFORE_STATE = [
    *(node for node in BEFORE if node[1]),
    ("contenttypes", "0002_remove_content_type_name"),
    ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
]


def migrate(targets, state=None):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(state or targets).apps


def old_rows(apps) -> dict:
    """Rows as the previous release wrote them, through its own models."""
    section = apps.get_model("articles", "Section").objects.create(name="World", slug="world")
    article = apps.get_model("articles", "Article").objects.create(
        headline="Old story", slug="old-story", section=section, status="draft"
    )
    apps.get_model("newsroom", "LegacyPath").objects.create(path="/?p=7", article=article)
    apps.get_model("newsroom", "ImportedItem").objects.create(
        kind="post", wp_id="7", object_id=article.pk, sticky=True
    )
    content_types = apps.get_model("contenttypes", "ContentType")
    article_type, _ = content_types.objects.get_or_create(app_label="articles", model="article")
    content_types.objects.get_or_create(app_label="newsroom", model="legacypath")
    revision = apps.get_model("reversion", "Revision").objects.create(
        comment="Led", date_created=timezone.now()
    )
    fields = {"headline": "Old story", "is_lead": True, "lead_until": None, "version": 1}
    apps.get_model("reversion", "Version").objects.create(
        revision=revision,
        object_id=str(article.pk),
        content_type=article_type,
        db="default",
        format="json",
        serialized_data=json.dumps(
            [{"model": "articles.article", "pk": article.pk, "fields": fields}]
        ),
        object_repr="Old story",
    )
    return {"article": article.pk}


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_release_migrates_forward_with_its_rows():
    old = old_rows(migrate(BEFORE, BEFORE_STATE))

    executor = MigrationExecutor(connection)
    apps = migrate(executor.loader.graph.leaf_nodes())

    legacy = apps.get_model("redirects", "LegacyPath").objects.get()
    assert (legacy.path, legacy.article_id) == ("/?p=7", old["article"])
    item = apps.get_model("wordpress", "ImportedItem").objects.get()
    assert (item.kind, item.wp_id, item.object_id, item.sticky) == (
        "post",
        "7",
        old["article"],
        True,
    )
    content_types = apps.get_model("contenttypes", "ContentType").objects
    assert content_types.filter(app_label="redirects", model="legacypath").exists()
    assert not content_types.filter(app_label="newsroom").exists()
    kept = json.loads(apps.get_model("reversion", "Version").objects.get().serialized_data)
    assert kept[0]["fields"] == {"headline": "Old story", "version": 1}
