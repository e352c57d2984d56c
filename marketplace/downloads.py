"""Kwork media (C2, C6, C7): gallery images and files, all kept in the private storage.

Approved media (the Kwork has been approved and the item is not waiting for moderation) is public: anyone may
fetch it, and browsers may cache it (its name is random and never reused). Anything else — a draft's images,
an image added to an approved Kwork and not yet moderated — is sent only to the seller and to moderators;
others get a 404. The URL is built from the stored name (PrivateStorage.url), so listing pages need no query
for it; this view does one or two small ones."""

import re

from django.http import Http404
from django.views.decorators.http import require_safe

from accounts.roles import is_moderator
from common.files import file_response

from .models import KworkFile, KworkImage, PortfolioItem

# Stored names are `kworks/<kwork id>/<random>` (marketplace/models.py).
_NAME = re.compile(r"kworks/(?P<kwork_id>\d+)/[^/]+")
_KWORK_FIELDS = ("kwork__approved_at", "kwork__seller_id")


def _media_item(kwork_id, name):
    """(field file, download name, is image, pending, kwork) for the stored name, or Http404."""
    image = (
        KworkImage.objects.filter(kwork_id=kwork_id, image=name)
        .select_related("kwork")
        .only("image", "pending", *_KWORK_FIELDS)
        .first()
    )
    if image is not None:
        return image.image, None, True, image.pending, image.kwork
    item = (
        KworkFile.objects.filter(kwork_id=kwork_id, file=name)
        .select_related("kwork")
        .only("file", "name", "pending", *_KWORK_FIELDS)
        .first()
    )
    if item is not None:
        return item.file, item.name, False, item.pending, item.kwork
    raise Http404("No such file.")


def _may_see_unmoderated(user, kwork):
    return user.is_authenticated and (user.pk == kwork.seller_id or is_moderator(user))


@require_safe
def kwork_media(request, name):
    match = _NAME.fullmatch(name)
    if match is None:
        raise Http404("No such file.")
    field_file, filename, is_image, pending, kwork = _media_item(int(match["kwork_id"]), name)
    public = kwork.approved_at is not None and not pending
    if not public and not _may_see_unmoderated(request.user, kwork):
        raise Http404("No such file.")
    return file_response(field_file, filename=filename, as_attachment=not is_image, public=public)


@require_safe
def portfolio_media(request, name):
    """C14: a portfolio item is public while it exists (revoking the consent deletes it). Browsers may keep it
    only once the consent can no longer be revoked, so a revocation takes it down at once."""
    item = PortfolioItem.objects.filter(file=name).only("file", "name", "is_video", "revocable_until").first()
    if item is None:
        raise Http404("No such file.")
    return file_response(item.file, filename=item.name, as_attachment=False, public=not item.is_revocable())
