"""Sending files and keeping the folders clean (DESIGN: Files).

- `file_response`: what a download view returns once it has checked who asks. In production nginx sends the
  bytes (X-Accel-Redirect to its internal location, PRIVATE_MEDIA_X_ACCEL); otherwise Django streams them.
- `serve_public_media`: public media (avatars) when no web server is in front (`make run`, or SERVE_MEDIA).
- `connect_file_cleanup`: deleting a row deletes its files, and replacing a file deletes the old one, once
  the transaction commits (a rolled-back delete keeps them)."""

import mimetypes
from functools import partial
from pathlib import PurePosixPath
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_init, post_save
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.views.static import serve

# Approved Kwork media and avatars have random, never reused names: browsers may keep them a day.
PUBLIC_MAX_AGE_SECONDS = 24 * 60 * 60


def file_response(field_file, *, filename=None, as_attachment=True, public=False):
    """Send `field_file` (a private storage's file) as `filename`. The caller has already checked access."""
    filename = filename or PurePosixPath(field_file.name).name
    content_type = mimetypes.guess_type(filename)[0] or mimetypes.guess_type(field_file.name)[0]
    content_type = content_type or "application/octet-stream"
    prefix = settings.PRIVATE_MEDIA_X_ACCEL
    if prefix:
        # No body: nginx serves the internal location and keeps the headers set here.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(field_file.name)
    else:
        try:
            handle = field_file.storage.open(field_file.name, "rb")
        except (FileNotFoundError, ValueError):
            raise Http404("The file is missing.") from None
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE_SECONDS}" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def serve_public_media(request, path):
    """Public media from MEDIA_ROOT, only when no web server does it: DEBUG (`make run`) or SERVE_MEDIA=1.
    Private files are in PRIVATE_MEDIA_ROOT, which this never reads."""
    if not (settings.DEBUG or settings.SERVE_MEDIA):
        raise Http404("Media is served by the web server.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE_SECONDS}"
    return response


# --- deleting files with their rows ----------------------------------------------------------------------


def file_fields(model):
    return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]


def _stored_name(instance, field):
    """The name in the storage, or "" (no file, a deferred field, or an upload not saved yet)."""
    value = instance.__dict__.get(field.attname)
    if isinstance(value, FieldFile):
        return (value.name or "") if value._committed else ""
    return value if isinstance(value, str) else ""


def _delete_on_commit(field, name, using):
    if name:
        transaction.on_commit(partial(field.storage.delete, name), using=using)


def _remember(sender, instance, **kwargs):
    instance._stored_file_names = {
        field.attname: _stored_name(instance, field)
        for field in file_fields(sender)
        if field.attname in instance.__dict__
    }


def _delete_replaced(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    known = getattr(instance, "_stored_file_names", {})
    for field in file_fields(sender):
        if update_fields is not None and field.name not in update_fields:
            continue
        new_name = _stored_name(instance, field)
        old_name = known.get(field.attname)
        if old_name and old_name != new_name and not raw:
            _delete_on_commit(field, old_name, using)
        known[field.attname] = new_name
    instance._stored_file_names = known


def _delete_files(sender, instance, using=None, **kwargs):
    for field in file_fields(sender):
        _delete_on_commit(field, _stored_name(instance, field), using)


def connect_file_cleanup():
    """Connect the receivers to every model with a FileField, and only to those (a receiver on every model
    would stop Django's fast bulk deletes everywhere)."""
    for model in apps.get_models():
        if not model._meta.abstract and not model._meta.proxy and file_fields(model):
            uid = f"file-cleanup-{model._meta.label_lower}"
            post_init.connect(_remember, sender=model, weak=False, dispatch_uid=uid)
            post_save.connect(_delete_replaced, sender=model, weak=False, dispatch_uid=uid)
            post_delete.connect(_delete_files, sender=model, weak=False, dispatch_uid=uid)
