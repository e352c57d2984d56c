"""Gallery images and files of a Kwork (C6). Uploads are checked by content and size in the forms
(common.uploads); here the counts and who may change them."""

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404

from common.errors import DomainError

from .. import rules
from ..caching import catalogue_changed
from ..models import KworkFile, KworkImage
from ..selectors import kwork_get_for_seller, parse_id
from .kworks import kwork_version_bump


def _media_of(model, kwork, raw_id):
    """The Kwork's image or file by an id from the form; anything that is not one is a 404, never a 500."""
    pk = parse_id(raw_id)
    if pk is None:
        raise Http404("No such file.")
    return get_object_or_404(model, kwork=kwork, pk=pk)


def kwork_image_add(*, seller, kwork, upload):
    """The upload has been checked by common.uploads.validate_image (content, type, 4 MB) in the form."""
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.images.count() >= rules.MAX_GALLERY_IMAGES:
            raise DomainError(
                f"A Kwork can have at most {rules.MAX_GALLERY_IMAGES} gallery images.", field="image"
            )
        kwork_version_bump(kwork)
        return KworkImage.objects.create(
            kwork=kwork, image=upload, position=kwork.images.count(), pending=kwork.approved_at is not None
        )


def kwork_image_delete(*, seller, kwork, image_id):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        image = _media_of(KworkImage, kwork, image_id)
        if kwork.is_listed and not image.pending and kwork.images.filter(pending=False).count() == 1:
            raise DomainError("An active Kwork needs at least one image; add another before removing this one.")
        image.delete()  # its file goes on commit (common.files)
        kwork_version_bump(kwork)
        catalogue_changed()


def kwork_file_add(*, seller, kwork, upload):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.files.count() >= rules.MAX_KWORK_FILES:
            raise DomainError(f"A Kwork can have at most {rules.MAX_KWORK_FILES} files.", field="file")
        kwork_version_bump(kwork)
        return KworkFile.objects.create(
            kwork=kwork, file=upload, name=upload.name[:200], pending=kwork.approved_at is not None
        )


def kwork_file_delete(*, seller, kwork, file_id):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        item = _media_of(KworkFile, kwork, file_id)
        item.delete()  # its file goes on commit (common.files)
        kwork_version_bump(kwork)
