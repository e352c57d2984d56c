"""Where uploaded files live (DESIGN: Files).

Public files (avatars) stay in the default storage under MEDIA_ROOT, served at MEDIA_URL by nginx in production
and by Django under `make run` (common.files.serve_public_media). Private files (order files, Kwork media) live
under PRIVATE_MEDIA_ROOT, a separate folder no URL serves: a private storage's url() is its app's download
view, which checks who asks before sending the bytes (common.files.file_response)."""

import re
import secrets
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils.deconstruct import deconstructible

# A stored name keeps only a plain extension of the original (the row keeps the original name for downloads).
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")


def random_name(folder, filename):
    """`folder/<32 random hex><.ext>`: nobody can guess a stored name from the original one."""
    suffix = PurePosixPath(filename or "").suffix.lower()
    return f"{folder}/{secrets.token_hex(16)}{suffix if _EXTENSION.fullmatch(suffix) else ''}"


@deconstructible(path="common.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT. `url_name` is the download view that receives the stored name as
    `name`; without it a private file has no URL at all (asking for one is a programming error)."""

    def __init__(self, url_name=None, **kwargs):
        self.url_name = url_name
        super().__init__(**kwargs)

    @property
    def base_location(self):
        # Read on each use, so tests that override PRIVATE_MEDIA_ROOT are followed.
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    def url(self, name):
        if not self.url_name:
            raise ValueError(f"{name!r} is a private file: link to its download view, never to a storage URL.")
        return reverse(self.url_name, kwargs={"name": name})


@checks.register(checks.Tags.security)
def check_private_root_is_not_public(app_configs, **kwargs):
    """Private files must never be reachable through the public media or static folders."""
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    problems = []
    for setting in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, setting, None)
        if not public:
            continue
        public = Path(public).resolve()
        if private == public or public in private.parents or private in public.parents:
            problems.append(
                checks.Error(
                    f"PRIVATE_MEDIA_ROOT ({private}) overlaps {setting} ({public}), which is served publicly.",
                    hint="Keep private files in their own folder, e.g. var/private/.",
                    id="common.E001",
                )
            )
    return problems
