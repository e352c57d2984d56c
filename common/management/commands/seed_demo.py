"""`manage.py seed_demo`: demo data for clicking through the site. Safe to run again.

Each app that has demo data has a `demo.py` with `seed(log)`; they run in the order of PROJECT_APPS,
so a later app can use what an earlier one made (users, then categories and Kworks, then orders)."""

from importlib import import_module
from importlib.util import find_spec

from django.core.management.base import BaseCommand
from django.db import transaction

PROJECT_APPS = ["accounts", "payments", "marketplace", "orders", "ratings", "arbitration"]


class Command(BaseCommand):
    help = "Load the demo users and data (idempotent)."

    def handle(self, *args, **options):
        for app in PROJECT_APPS:
            if find_spec(f"{app}.demo") is None:
                continue
            with transaction.atomic():
                import_module(f"{app}.demo").seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins are listed in README.md."))
