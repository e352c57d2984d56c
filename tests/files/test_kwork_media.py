"""Issue 9: Kwork media (C2, C6) is private until moderated (C7). A draft's images, or an image added to an
approved Kwork and not yet moderated, go only to the seller and moderators; approved media goes to anyone and
may be cached. Image URLs are built from the stored name: no query per card."""

import re

import pytest
from django.urls import reverse

from accounts.roles import MODERATORS, SUPPORT
from marketplace import services
from marketplace.models import Kwork, KworkFile
from tests.factories import in_group
from tests.files.conftest import ZIP_BYTES, body, zip_upload
from tests.marketplace.factories import ImageFactory, KworkFactory, png_bytes
from tests.orders.factories import person


@pytest.fixture
def draft(db):
    return KworkFactory(status=Kwork.Status.DRAFT, approved_at=None)


@pytest.fixture
def moderator(db):
    return in_group(person(), MODERATORS)


def kwork_file(kwork, *, pending=False, name="brief template.zip"):
    return KworkFile.objects.create(kwork=kwork, file=zip_upload(name), name=name, pending=pending)


def test_an_unmoderated_kworks_image_is_refused_to_strangers_and_anonymous(client, draft, stranger):
    image = ImageFactory(kwork=draft)
    assert client.get(image.image.url).status_code == 404
    client.force_login(stranger)
    assert client.get(image.image.url).status_code == 404
    client.force_login(in_group(person(), SUPPORT))
    assert client.get(image.image.url).status_code == 404


def test_the_seller_and_moderators_see_unmoderated_media(client, draft, moderator):
    image = ImageFactory(kwork=draft)
    item = kwork_file(draft)
    for who in (draft.seller, moderator):
        client.force_login(who)
        response = client.get(image.image.url)
        assert response.status_code == 200
        assert body(response) == image.image.storage.open(image.image.name).read()
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Disposition"].startswith("inline;")
        assert response["Content-Type"] == "image/png"
        assert body(client.get(item.file.url)) == ZIP_BYTES


def test_approved_media_is_public_and_cacheable(client, db):
    kwork = KworkFactory()
    image = ImageFactory(kwork=kwork)
    item = kwork_file(kwork)
    response = client.get(image.image.url)
    assert response.status_code == 200
    assert body(response) == png_bytes()
    assert response["Cache-Control"].startswith("public, max-age=")
    download = client.get(item.file.url)
    assert download.status_code == 200 and body(download) == ZIP_BYTES
    assert download["Content-Disposition"] == 'attachment; filename="brief template.zip"'


def test_an_image_waiting_for_moderation_on_an_approved_kwork_stays_private(client, stranger, db):
    kwork = KworkFactory()
    pending = ImageFactory(kwork=kwork, pending=True)
    pending_file = kwork_file(kwork, pending=True)
    client.force_login(stranger)
    assert client.get(pending.image.url).status_code == 404
    assert client.get(pending_file.file.url).status_code == 404
    client.force_login(kwork.seller)
    assert client.get(pending.image.url).status_code == 200


def test_approval_makes_the_media_public(client, draft, moderator, stranger):
    image = ImageFactory(kwork=draft)
    services.kwork_submit(seller=draft.seller, kwork=draft)
    client.force_login(stranger)
    assert client.get(image.image.url).status_code == 404
    services.kwork_approve(kwork=draft, moderator=moderator)
    assert client.get(image.image.url).status_code == 200


def test_stored_names_are_random_and_the_url_is_the_checked_view(db):
    kwork = KworkFactory()
    image = ImageFactory(kwork=kwork)
    item = kwork_file(kwork)
    assert re.fullmatch(rf"kworks/{kwork.pk}/[0-9a-f]{{32}}\.png", image.image.name)
    assert re.fullmatch(rf"kworks/{kwork.pk}/[0-9a-f]{{32}}\.zip", item.file.name)
    assert item.name == "brief template.zip"
    assert image.image.url == f"/files/{image.image.name}"
    assert not image.image.url.startswith("/media/")


def test_building_image_urls_needs_no_query(django_assert_num_queries, db):
    images = [ImageFactory(kwork=KworkFactory()) for _ in range(3)]
    with django_assert_num_queries(0):
        urls = [image.image.url for image in images]
    assert len(set(urls)) == 3


def test_catalogue_and_kwork_page_link_images_through_the_view(client, db):
    kwork = KworkFactory()
    image = ImageFactory(kwork=kwork)
    page = client.get(kwork.get_absolute_url()).content.decode()
    assert image.image.url in page
    assert "/media/kworks/" not in page


def test_with_nginx_in_front_kwork_media_uses_x_accel_redirect(client, settings, db):
    settings.PRIVATE_MEDIA_X_ACCEL = "/_private/"
    image = ImageFactory(kwork=KworkFactory())
    response = client.get(image.image.url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_private/{image.image.name}"
    assert response["Cache-Control"].startswith("public")


def test_another_kworks_id_in_the_url_does_not_find_the_file(client, draft):
    image = ImageFactory(kwork=draft)
    public = KworkFactory()
    client.force_login(public.seller)
    stored = image.image.name.rsplit("/", 1)[1]
    forged = reverse("marketplace:media", kwargs={"name": f"kworks/{public.pk}/{stored}"})
    assert client.get(forged).status_code == 404
