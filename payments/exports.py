"""The statement as a CSV file built in the background (P9; issue 14): a long statement (hundreds of thousands
of rows) takes seconds to minutes to write, which must not hold a web worker.

A file lives in private storage at `statements/<user id>/<token>.csv`, so the download view builds the name
from the person asking and nobody can name another person's file. While the task writes, the file is
`<token>.part` and is renamed when complete, so a half-written file is never sent. The cache only remembers
that a file was asked for (to say "preparing…"); if the cache forgets, the newest complete file is offered.
Each person keeps one file: a new one replaces the old."""

import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import Http404

from common import csv as common_csv
from common.storage import PrivateStorage

from . import rules, selectors

FOLDER = "statements"
_TOKEN = re.compile(r"[0-9a-f]{32}")
_FILE = re.compile(r"([0-9a-f]{32})\.csv")

storage = PrivateStorage()


@dataclass(frozen=True)
class ExportStatus:
    preparing: bool = False
    failed: bool = False
    token: str = ""  # of the ready file, "" when there is none
    ready_at: datetime | None = None
    size_bytes: int = 0


def _folder(user_id):
    return f"{FOLDER}/{int(user_id)}"


def _name(user_id, token, suffix="csv"):
    return f"{_folder(user_id)}/{token}.{suffix}"


def _pending_key(user_id):
    return f"payments:statement-export:{int(user_id)}"


def _ready_files(user_id):
    """[(modified time, token)] of the person's complete files, newest first."""
    folder = _folder(user_id)
    if not storage.exists(folder):
        return []
    found = []
    for filename in storage.listdir(folder)[1]:
        match = _FILE.fullmatch(filename)
        if match:
            found.append((storage.get_modified_time(f"{folder}/{filename}"), match[1]))
    return sorted(found, reverse=True)


def status_of(user):
    """Whether a file is being prepared, failed, or ready (and which)."""
    pending = cache.get(_pending_key(user.pk))
    files = _ready_files(user.pk)
    if pending and not any(token == pending["token"] for _, token in files):
        if time.time() - pending["asked_at"] < rules.STATEMENT_EXPORT_WAIT_SECONDS:
            return ExportStatus(preparing=True)
        return ExportStatus(failed=True)
    if not files:
        return ExportStatus()
    modified, token = files[0]
    return ExportStatus(token=token, ready_at=modified, size_bytes=storage.size(_name(user.pk, token)))


def start(user):
    """Ask for a new file (nothing new while one is being prepared). Returns the token."""
    from . import tasks

    pending = cache.get(_pending_key(user.pk))
    if pending and status_of(user).preparing:
        return pending["token"]
    token = secrets.token_hex(16)
    cache.set(
        _pending_key(user.pk),
        {"token": token, "asked_at": time.time()},
        timeout=rules.STATEMENT_EXPORT_WAIT_SECONDS,
    )
    tasks.statement_export_build.delay(user.pk, token)
    return token


def build(*, user_id, token):
    """Write the person's statement to `<token>.csv` (the Celery task). Safe to run twice: a complete file is
    left as it is. Returns the number of lines written (without the header), or None when already built."""
    if not _TOKEN.fullmatch(token or ""):
        raise ValueError("not a statement file token")
    final = storage.path(_name(user_id, token))
    if os.path.exists(final):
        return None
    user = get_user_model().objects.get(pk=user_id)
    part = storage.path(_name(user_id, token, "part"))
    os.makedirs(os.path.dirname(part), exist_ok=True)
    upto = selectors.statement_latest_entry_id(user)
    lines = -1
    with open(part, "w", newline="", encoding="utf-8") as handle:
        out = common_csv.writer(handle)
        if upto is None:
            out.writerow(next(selectors.statement_csv_rows(user=user)))
            lines = 0
        else:
            for row in selectors.statement_csv_rows(user=user, upto=upto):
                out.writerow(row)
                lines += 1
    os.replace(part, final)
    _remove_others(user_id, keep=token)
    return lines


def _remove_others(user_id, *, keep):
    folder = _folder(user_id)
    for filename in storage.listdir(folder)[1]:
        if not filename.startswith(keep + "."):
            storage.delete(f"{folder}/{filename}")


def file_of(user, token):
    """The person's complete file `token`, for file_response; 404 for anything else."""
    if not _TOKEN.fullmatch(token or ""):
        raise Http404("No such file.")
    name = _name(user.pk, token)
    if not storage.exists(name):
        raise Http404("No such file.")
    return SimpleNamespace(name=name, storage=storage)
