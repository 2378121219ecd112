"""Give the Editor role (created by the articles app) the newsletter permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = {
    "newsletter": ["add", "change", "delete", "view"],
    "edition": ["add", "change", "delete", "view"],
    "editionitem": ["add", "change", "delete", "view"],
    "suppression": ["add", "change", "delete", "view"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("newsletters")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editor")
    codenames = [f"{action}_{model}" for model, actions in EDITOR.items() for action in actions]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="newsletters", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Editor"):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="newsletters"))


class Migration(migrations.Migration):
    dependencies = [
        ("newsletters", "0001_initial"),
        ("articles", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
