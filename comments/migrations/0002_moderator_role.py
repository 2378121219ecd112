"""Give the Moderator role (created by the articles app) its comment permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR = {
    "comment": ["view", "change"],
    "reason": ["view"],
    "report": ["view"],
    "moderatedword": ["add", "change", "delete", "view"],
    "ban": ["add", "change", "delete", "view"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderator")
    codenames = [f"{action}_{model}" for model, actions in MODERATOR.items() for action in actions]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="comments", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Moderator"):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="comments"))


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("articles", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
