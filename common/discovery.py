"""What each installed app declares in a module of a given name (schedule.py, roles.py, header.py …): the
site's registries are gathered this way, so each app keeps its part next to its own code."""

import sys

from django.apps import apps
from django.utils.module_loading import autodiscover_modules


def app_declarations(module_name, attribute):
    """The `attribute` of every installed app's `module_name` module that has one, in INSTALLED_APPS order.
    Needs the app registry (Django set up)."""
    autodiscover_modules(module_name)
    found = []
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.{module_name}")
        if module is not None and hasattr(module, attribute):
            found.append(getattr(module, attribute))
    return found
