"""Editors write and publish the site's own pages, as they do articles; authors do not."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_pages(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_page" for action in ("add", "change", "delete", "view")]
    permissions = Permission.objects.filter(
        content_type__app_label="articles", codename__in=codenames
    )
    for group in apps.get_model("auth", "Group").objects.filter(name="Editor"):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_pages"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_pages, migrations.RunPython.noop, elidable=False)]
