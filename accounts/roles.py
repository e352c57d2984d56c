"""T6: who may do what. Groups are created by a migration; their permissions are kept in step after every
migrate. Each app lists what its models give each role in its own `roles.py` (ROLE_PERMISSIONS)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

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
    """ROLE_PERMISSIONS of every installed app's roles.py (this one included), merged per group."""
    from common.discovery import app_declarations

    merged = {}
    for declared in app_declarations("roles", "ROLE_PERMISSIONS"):
        for group, perms in declared.items():
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


def support_required(view):
    """T6: only Support staff (and superusers) enter the back office; anyone else gets 403. Here, next to the
    roles, so every app's back-office pages use it without depending on the arbitration app."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_support(request.user):
            raise PermissionDenied("The back office is for support staff only.")
        return view(request, *args, **kwargs)

    return wrapped


def is_moderator(user):
    return user.is_authenticated and user.is_active and (user.is_superuser or _in_group(user, MODERATORS))


def remember_no_groups(user):
    """Record that `user` belongs to no group (a caller that counted them, the header), so the checks above
    make no query for them in this request."""
    user._group_names = set()


def _in_group(user, name):
    cache = getattr(user, "_group_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._group_names = cache
    return name in cache
