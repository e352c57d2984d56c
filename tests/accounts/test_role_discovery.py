"""T6: the groups' permissions are gathered from every installed app's roles.py (autodiscover_modules), the
same way beat schedules and demo data are found: a new app's roles.py counts without being listed anywhere."""

import sys

from django.apps import apps

from accounts.roles import MODERATORS, SUPPORT, all_role_permissions


def test_every_apps_roles_are_merged_per_group():
    merged = all_role_permissions()
    contributing = set()
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.roles")
        for group, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            contributing.add(config.name)
            assert set(perms) <= set(merged[group])
    assert {"accounts", "payments", "marketplace"} <= contributing
    assert set(merged) == {MODERATORS, SUPPORT}
