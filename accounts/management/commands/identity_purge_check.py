"""`manage.py identity_purge_check`: proves no identity document (A12) is kept past its deadline. Lists any
such document and exits with an error; `--purge` first runs the deletion the beat job does."""

from django.core.management.base import BaseCommand, CommandError

from accounts import identity, rules


class Command(BaseCommand):
    help = "Check that no identity document is kept longer than the rules allow."

    def add_arguments(self, parser):
        parser.add_argument("--purge", action="store_true", help="Delete the overdue documents first.")

    def handle(self, *args, **options):
        if options["purge"]:
            self.stdout.write(f"Deleted {identity.identity_documents_purge()} overdue document(s).")
        overdue = list(identity.identity_documents_kept_too_long().values_list("pk", "delete_after"))
        if overdue:
            for pk, deadline in overdue:
                self.stderr.write(f"Identity check #{pk}: document kept past {deadline:%Y-%m-%d %H:%M} UTC.")
            raise CommandError(f"{len(overdue)} identity document(s) kept longer than allowed.")
        self.stdout.write(
            self.style.SUCCESS(
                f"No identity document is kept longer than {rules.IDENTITY_DOCUMENT_KEEP_DAYS} days after its decision."
            )
        )
