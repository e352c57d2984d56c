"""`manage.py ledger_check`: prove the ledger's invariants (P9); exits 1 naming each problem."""

from django.core.management.base import BaseCommand, CommandError

from payments.invariants import ledger_problems


class Command(BaseCommand):
    help = "Verify the ledger: cached balances, zero sums, no negative user balance, escrow resolved once."

    def handle(self, *args, **options):
        problems = ledger_problems()
        if problems:
            for problem in problems:
                self.stderr.write(f"LEDGER PROBLEM: {problem}")
            raise CommandError(f"{len(problems)} ledger problem(s) found.")
        self.stdout.write(self.style.SUCCESS("Ledger OK: every invariant holds."))
