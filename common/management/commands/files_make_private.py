"""`manage.py files_make_private`: move files uploaded before issue 9 out of the public folder. Safe to run again.

Order files and Kwork media used to be stored under MEDIA_ROOT with their original names. Every row of a model
whose FileField uses a private storage (common.storage.PrivateStorage) and whose file is still in MEDIA_ROOT
gets a new random name from the field's own upload_to, its file is moved into PRIVATE_MEDIA_ROOT, and the
public copy is deleted. Rows already moved, or whose file is gone, are left as they are."""

from pathlib import PurePosixPath

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from common.files import file_fields
from common.storage import PrivateStorage


class Command(BaseCommand):
    help = "Move private files (order files, Kwork media) still in MEDIA_ROOT into PRIVATE_MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say what would move.")

    def handle(self, *args, dry_run=False, **options):
        moved = 0
        for model in apps.get_models():
            for field in file_fields(model):
                if isinstance(field.storage, PrivateStorage):
                    moved += self._move(model, field, dry_run)
        verb = "Would move" if dry_run else "Moved"
        self.stdout.write(self.style.SUCCESS(f"{verb} {moved} file(s) out of the public folder."))

    def _move(self, model, field, dry_run):
        moved = 0
        for row in model.objects.exclude(**{field.name: ""}).iterator():
            old = getattr(row, field.attname).name
            if field.storage.exists(old) or not default_storage.exists(old):
                continue
            new = field.generate_filename(row, PurePosixPath(old).name)
            self.stdout.write(f"{model._meta.label} {row.pk}: {old} -> {new}")
            moved += 1
            if dry_run:
                continue
            with default_storage.open(old, "rb") as handle:
                new = field.storage.save(new, handle)
            # update(), not save(): nothing else of the row changes, and no receiver should delete anything.
            model.objects.filter(pk=row.pk).update(**{field.name: new})
            default_storage.delete(old)
        return moved
