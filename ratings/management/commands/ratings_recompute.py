"""manage.py ratings_recompute [--seller LOGIN ...] [--batch-size N]: recompute figures now, for some sellers or
for everyone (R3–R11). Idempotent: the figures are always computed from scratch."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from ratings import rules, services


class Command(BaseCommand):
    help = "Recompute sellers' and buyers' figures (one seller with --seller LOGIN, or everyone)."

    def add_arguments(self, parser):
        parser.add_argument("--seller", action="append", default=[], help="a seller's login (repeatable)")
        parser.add_argument("--batch-size", type=int, default=rules.NIGHTLY_BATCH_SIZE)

    def handle(self, *args, seller, batch_size, **options):
        started = time.monotonic()
        if seller:
            logins = Q()
            for login in seller:
                logins |= Q(username__iexact=login)  # logins are unique case-insensitively (A3)
            found = {u.username.lower(): u.pk for u in get_user_model().objects.filter(logins)}
            missing = [login for login in seller if login.lower() not in found]
            if missing:
                raise CommandError(f"No such user: {', '.join(missing)}")
            count = services.ratings_recompute_all(seller_ids=list(found.values()))
        else:
            count = services.ratings_recompute_all(batch_size=batch_size)
        self.stdout.write(f"Recomputed {count} user(s) in {time.monotonic() - started:.1f} s.")
