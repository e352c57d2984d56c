"""T6: who may do what. Groups are created by a migration; their permissions are kept in step after every
migrate. Each app lists what its models give each role in its own `roles.py` (ROLE_PERMISSIONS)."""

from importlib import import_module
from importlib.util import find_spec

APPS_WITH_ROLES = ["payments", "marketplace", "orders", "ratings", "arbitration"]

MODERATORS = "Moderators"
SUPPORT = "Support"

# "app_label.codename" for each group. Moderators work in the Django admin; Support in /backoffice/.
ROLE_PERMISSIONS = {
    # Moderators see Kworks only (marketplace/roles.py): not people's e-mails, orders or buyers' requirements.
    MODERATORS: [],
    SUPPORT: [
        "accounts.view_user",
        "accounts.view_deletionrequest",
        "accounts.change_deletionrequest",
        "accounts.view_userbadge",
        "accounts.add_userbadge",
        "accounts.delete_userbadge",
    ],
}


def all_role_permissions():
    merged = {group: list(perms) for group, perms in ROLE_PERMISSIONS.items()}
    for app in APPS_WITH_ROLES:
        if find_spec(f"{app}.roles") is not None:
            for group, perms in import_module(f"{app}.roles").ROLE_PERMISSIONS.items():
                merged.setdefault(group, []).extend(perms)
    return merged


def sync_role_permissions(sender=None, **kwargs):
    from django.contrib.auth.models import Group, Permission

    for group_name, perms in all_role_permissions().items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found:
                wanted.append(found)
        group.permissions.set(wanted)


def is_support(user):
    return user.is_authenticated and user.is_active and (user.is_superuser or _in_group(user, SUPPORT))


def is_moderator(user):
    return user.is_authenticated and user.is_active and (user.is_superuser or _in_group(user, MODERATORS))


def _in_group(user, name):
    cache = getattr(user, "_group_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._group_names = cache
    return name in cache
