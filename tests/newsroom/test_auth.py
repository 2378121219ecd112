from django.contrib.auth.models import Group, Permission, User

from newsroom.auth import PermissionBackend


def test_permissions_come_from_the_user_and_their_groups_in_one_query(
    db, django_assert_num_queries
):
    user = User.objects.create_user("reporter", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_section"))
    group = Group.objects.create(name="Desk")
    group.permissions.add(Permission.objects.get(codename="change_region"))
    user.groups.add(group)
    user = User.objects.get(pk=user.pk)

    with django_assert_num_queries(1):
        permissions = PermissionBackend().get_all_permissions(user)
        assert user.has_perm("articles.view_section")

    assert permissions == {"articles.view_section", "articles.change_region"}


def test_inactive_users_and_object_checks_get_no_permissions(db):
    user = User.objects.create_superuser("boss", is_active=False)
    assert PermissionBackend().get_all_permissions(user) == set()
    user.is_active = True
    assert PermissionBackend().get_all_permissions(user, obj=user) == set()
    assert "articles.publish_article" in PermissionBackend().get_all_permissions(user)
