"""Issue 9: an order's private files (requirements and chat attachments M5, deliveries O6) never have a public
URL: random stored names in a folder no URL serves, a download view that lets in only the two parties (and
Support while the order is in arbitration, O12), and in production nginx sends the bytes (X-Accel-Redirect)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.roles import MODERATORS, SUPPORT
from orders import services
from tests.factories import in_group
from tests.files.conftest import ZIP_BYTES, body
from tests.orders.factories import person, place

KINDS = ["requirement", "chat", "delivery"]


def url_of(row):
    return row.file.url


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", ["buyer", "seller"])
def test_buyer_and_seller_get_the_bytes_under_the_original_name(client, order_files, kind, who):
    row = getattr(order_files, kind)
    client.force_login(getattr(order_files.order, who))
    response = client.get(url_of(row))
    assert response.status_code == 200
    with row.file.storage.open(row.file.name, "rb") as handle:
        assert body(response) == handle.read()
    assert response["Content-Disposition"].startswith("attachment;")
    assert row.name in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_delivery_bytes_are_the_uploaded_ones(client, order_files):
    client.force_login(order_files.order.buyer)
    assert body(client.get(url_of(order_files.delivery))) == ZIP_BYTES


@pytest.mark.parametrize("kind", KINDS)
def test_a_stranger_gets_404(client, order_files, stranger, kind):
    client.force_login(stranger)
    assert client.get(url_of(getattr(order_files, kind))).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_the_party_of_another_order_gets_404(client, order_files, kind):
    other_order = place()
    client.force_login(other_order.buyer)
    assert client.get(url_of(getattr(order_files, kind))).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_someone_logged_out_is_sent_to_log_in(client, order_files, kind):
    response = client.get(url_of(getattr(order_files, kind)))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_file_name_moved_under_my_own_order_is_still_refused(client, order_files):
    """The order id in the URL is checked against the file's own order, not only against the asker."""
    mine = person()
    my_order = place(buyer=mine)
    stolen = order_files.delivery.file.name.rsplit("/", 1)[1]
    client.force_login(mine)
    forged = reverse("orders:file", kwargs={"name": f"orders/{my_order.pk}/{stolen}"})
    assert client.get(forged).status_code == 404


@pytest.mark.parametrize("name", ["orders/1/../../etc/passwd", "orders/x/abc", "orders/1/a/b", "orders/"])
def test_odd_names_are_404(client, order_files, name):
    client.force_login(order_files.order.buyer)
    assert client.get(f"/files/{name}").status_code == 404


def test_support_gets_the_files_only_once_the_order_went_to_arbitration(client, order_files):
    agent = in_group(person(), SUPPORT)
    client.force_login(agent)
    url = url_of(order_files.delivery)
    assert client.get(url).status_code == 404
    services.order_open_arbitration(
        order=order_files.order, user=order_files.order.buyer, description="The logo is not what we agreed."
    )
    assert client.get(url).status_code == 200
    assert client.get(url_of(order_files.requirement)).status_code == 200
    # O12: the decided case stays on record, with the files its case file links.
    services.order_arbitration_resolve(
        order=order_files.order, staff_user=agent, refund_cents=0, reasoning="The work matches the brief."
    )
    assert client.get(url).status_code == 200


def test_a_moderator_is_not_support(client, order_files):
    services.order_open_arbitration(
        order=order_files.order, user=order_files.order.buyer, description="The logo is not what we agreed."
    )
    client.force_login(in_group(person(), MODERATORS))
    assert client.get(url_of(order_files.delivery)).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_stored_names_are_random_and_the_original_name_is_kept_on_the_row(order_files, kind):
    row = getattr(order_files, kind)
    assert re.fullmatch(rf"orders/{order_files.order.pk}/[0-9a-f]{{32}}\.(png|zip)", row.file.name)
    stem = Path(row.name).stem
    assert stem not in row.file.name and stem.replace(" ", "_") not in row.file.name


def test_private_files_are_outside_media_root_and_not_served_there(client, order_files, settings):
    settings.DEBUG = True  # `make run` serves MEDIA_ROOT; the private folder is elsewhere
    row = order_files.delivery
    path = Path(row.file.path)
    assert path.is_file()
    assert Path(settings.PRIVATE_MEDIA_ROOT).resolve() in path.parents
    assert Path(settings.MEDIA_ROOT).resolve() not in path.parents
    client.force_login(order_files.order.buyer)
    assert client.get(f"{settings.MEDIA_URL}{row.file.name}").status_code == 404


def test_the_order_page_links_files_through_the_download_view(client, order_files):
    client.force_login(order_files.order.buyer)
    page = client.get(order_files.order.get_absolute_url()).content.decode()
    for kind in KINDS:
        assert f'href="{url_of(getattr(order_files, kind))}"' in page
    assert "/media/orders/" not in page


def test_with_nginx_in_front_the_view_answers_with_x_accel_redirect_and_no_body(client, order_files, settings):
    settings.PRIVATE_MEDIA_X_ACCEL = "/_private/"
    row = order_files.delivery
    client.force_login(order_files.order.seller)
    response = client.get(url_of(row))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_private/{row.file.name}"
    assert response.content == b""
    assert response["Content-Disposition"] == 'attachment; filename="logo final.zip"'
    assert response["Content-Type"] == "application/zip"


def test_with_nginx_in_front_a_refusal_carries_no_x_accel_header(client, order_files, stranger, settings):
    settings.PRIVATE_MEDIA_X_ACCEL = "/_private/"
    client.force_login(stranger)
    response = client.get(url_of(order_files.delivery))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_a_missing_file_is_404_not_an_error(client, order_files):
    row = order_files.delivery
    row.file.storage.delete(row.file.name)
    client.force_login(order_files.order.buyer)
    assert client.get(url_of(row)).status_code == 404
