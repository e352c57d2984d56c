"""C6: stored files do not outlive their rows — removing media, deleting a Kwork or discarding its pending
changes through the seller's pages deletes the files once the transaction commits."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace import services
from marketplace.models import Kwork
from tests.marketplace.factories import png_upload

pytestmark = pytest.mark.django_db

ZIP = b"PK\x03\x04" + b"an example of the work " * 20


def _zip(name="example.zip"):
    return SimpleUploadedFile(name, ZIP, content_type="application/zip")


def _path(field_file):
    return Path(field_file.path)


def test_c6_deleting_a_draft_from_my_kworks_deletes_its_files(
    client, seller, kwork_data, django_capture_on_commit_callbacks
):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    image = services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    item = services.kwork_file_add(seller=seller, kwork=kwork, upload=_zip())
    paths = [_path(image.image), _path(item.file)]
    assert all(path.is_file() for path in paths)
    client.force_login(seller)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("marketplace:kwork_action", args=[kwork.pk]), {"action": "delete"})
    assert response.status_code == 302 and not Kwork.objects.filter(pk=kwork.pk).exists()
    assert not any(path.exists() for path in paths)


def test_c6_discarding_pending_changes_deletes_only_the_pending_files(
    client, seller, kwork_data, django_capture_on_commit_callbacks
):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    approved = services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload("approved.png"))
    Kwork.objects.filter(pk=kwork.pk).update(status=Kwork.Status.ACTIVE, approved_at="2026-11-01T10:00Z")
    pending = services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload("new.png"))
    pending_file = services.kwork_file_add(seller=seller, kwork=kwork, upload=_zip())
    assert pending.pending and pending_file.pending
    client.force_login(seller)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("marketplace:kwork_action", args=[kwork.pk]), {"action": "discard"})
    assert not _path(pending.image).exists() and not _path(pending_file.file).exists()
    assert _path(approved.image).is_file()


def test_c6_removing_an_image_or_a_file_deletes_it(client, seller, kwork_data, django_capture_on_commit_callbacks):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    image = services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    item = services.kwork_file_add(seller=seller, kwork=kwork, upload=_zip())
    client.force_login(seller)
    url = reverse("marketplace:kwork_media", args=[kwork.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "delete_image", "id": image.pk})
        client.post(url, {"action": "delete_file", "id": item.pk})
    assert not _path(image.image).exists() and not _path(item.file).exists()
