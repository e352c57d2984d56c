"""`manage.py seed_demo`: demo data for clicking through the site. Safe to run again.

Each app that has demo data has a `demo.py` with `seed(log)`, found the way beat schedules and roles are
(autodiscover_modules); they run in INSTALLED_APPS order, so a later app can use what an earlier one made
(users, then categories and Kworks, then orders)."""

import sys

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import autodiscover_modules


class Command(BaseCommand):
    help = "Load the demo users and data (idempotent)."

    def handle(self, *args, **options):
        autodiscover_modules("demo")
        for config in apps.get_app_configs():
            seed = getattr(sys.modules.get(f"{config.name}.demo"), "seed", None)
            if seed is None:
                continue
            with transaction.atomic():
                seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins are listed in README.md."))
