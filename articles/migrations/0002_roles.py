"""Create the newsroom's roles as groups with their permissions.

Permissions are normally created after all migrations run; they are created here first
so the groups can be given them on a brand-new database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Author": {
        "article": ["add", "change", "view"],
        "byline": ["add", "change", "delete", "view"],
        "quote": ["add", "change", "delete", "view"],
        "bodyphoto": ["add", "change", "delete", "view"],
        "relatedlink": ["add", "change", "delete", "view"],
        "photo": ["add", "change", "view"],
        "section": ["view"],
        "region": ["add", "view"],
        "author": ["view"],
        "correction": ["view"],
    },
    "Editor": {
        model: ["add", "change", "delete", "view"]
        for model in [
            "article",
            "byline",
            "quote",
            "bodyphoto",
            "relatedlink",
            "photo",
            "section",
            "region",
            "author",
            "correction",
        ]
    },
    # Moderators work on comments only; the comments app grants their permissions.
    "Moderator": {},
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, models in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
        if role == "Editor":
            codenames.append("publish_article")
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
