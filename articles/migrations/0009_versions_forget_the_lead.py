"""Kept versions of articles no longer hold the lead-story fields.

Which article leads the home page is today's choice, not part of an article's past, so
the fields are excluded from versions from now on; this takes them out of the versions
kept before, so restoring one of those cannot take the lead back either.
"""

import json

from django.db import migrations

LEAD_FIELDS = ("is_lead", "lead_until")


def forget_the_lead(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    versions = apps.get_model("reversion", "Version")
    article_type = content_types.objects.filter(app_label="articles", model="article").first()
    if article_type is None:
        return
    kept = versions.objects.filter(content_type=article_type, format="json")
    for version in kept.only("serialized_data").iterator(chunk_size=500):
        data = json.loads(version.serialized_data)
        fields = data[0]["fields"]
        if not any(name in fields for name in LEAD_FIELDS):
            continue
        for name in LEAD_FIELDS:
            fields.pop(name, None)
        version.serialized_data = json.dumps(data)
        version.save(update_fields=["serialized_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_lead_story"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(forget_the_lead, migrations.RunPython.noop, elidable=True)]
