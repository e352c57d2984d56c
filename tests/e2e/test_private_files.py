"""Issue 9 in a real browser, with production's file settings (DEBUG off, no public /media/ from Django,
private files handed to nginx with X-Accel-Redirect): the buyer downloads the seller's delivery from the order
page; someone logged out is sent to log in, and another user gets a 404.

live_server has no nginx in front, so a browser route stands in for deploy/nginx.conf's `location /_private/`:
when Django's answer carries X-Accel-Redirect, the bytes of that file are sent with Django's headers, as nginx
does; any other answer (a refusal, a redirect) goes to the browser unchanged."""

from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orders import services
from orders.models import DeliveryFile
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory, verified
from tests.marketplace.factories import KworkFactory
from tests.support import fund

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERY = b"PK\x03\x04" + b"the finished logo, every format " * 50
X_ACCEL = "/_private/"


@pytest.fixture
def production_files(settings):
    settings.DEBUG = False
    settings.SERVE_MEDIA = False
    settings.PRIVATE_MEDIA_X_ACCEL = X_ACCEL
    return settings


def nginx_stand_in(settings):
    """What nginx does with X-Accel-Redirect (deploy/nginx.conf): send the internal location's file."""

    def handle(route):
        response = route.fetch(max_redirects=0)
        target = response.headers.get("x-accel-redirect")
        if not target:
            route.fulfill(response=response)
            return
        assert target.startswith(X_ACCEL) and response.body() == b"", "Django itself must send no bytes"
        path = Path(settings.PRIVATE_MEDIA_ROOT) / unquote(target[len(X_ACCEL) :])
        headers = {k: v for k, v in response.headers.items() if k not in {"x-accel-redirect", "content-length"}}
        route.fulfill(status=200, headers=headers, body=path.read_bytes())

    return handle


FETCH = """async (url) => {
    const response = await fetch(url);
    const bytes = Array.from(new Uint8Array(await response.arrayBuffer()));
    return {status: response.status, bytes, disposition: response.headers.get("content-disposition")};
}"""


def delivered_order():
    seller = verified(UserFactory(username="sergio_files"))
    buyer = verified(UserFactory(username="bella_files"))
    kwork = KworkFactory(seller=seller, title="I will design a clean, modern logo", price_cents=1000)
    fund(buyer, 1000)
    order = services.order_place(buyer=buyer, kwork=kwork)
    services.order_start(order=order, seller=seller)
    upload = SimpleUploadedFile("Bakery logo final.zip", DELIVERY, content_type="application/zip")
    services.order_deliver(order=order, seller=seller, message="Here is the logo.", files=[upload])
    return order


def test_delivery_file_goes_to_the_buyer_only(new_page, shot, production_files):
    order = delivered_order()
    stored = DeliveryFile.objects.get(delivery__order=order)
    url = stored.file.url
    assert url.startswith("/files/orders/") and "Bakery" not in url

    # The buyer's browser fetches the file behind the link through "nginx": the seller's bytes, original name.
    bella = new_page()
    bella.context.route("**/files/**", nginx_stand_in(production_files))
    login(bella, "bella_files", PASSWORD)
    bella.goto(order.get_absolute_url())
    link = bella.locator("a[download]", has_text="Bakery logo final.zip")
    assert link.get_attribute("href") == url
    shot(bella, "buyer-order-with-delivery-file")
    fetched = bella.evaluate(FETCH, url)
    assert fetched["status"] == 200 and bytes(fetched["bytes"]) == DELIVERY
    assert fetched["disposition"] == 'attachment; filename="Bakery logo final.zip"'

    # Clicking it downloads the file (a browser download bypasses routes, so Django sends the bytes here, as it
    # does under `make run` or with PRIVATE_MEDIA_X_ACCEL empty).
    production_files.PRIVATE_MEDIA_X_ACCEL = ""
    with bella.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "Bakery logo final.zip"
    assert Path(info.value.path()).read_bytes() == DELIVERY
    production_files.PRIVATE_MEDIA_X_ACCEL = X_ACCEL

    # Logged out: sent to log in, no bytes.
    stranger_page = new_page()
    stranger_page.context.route("**/files/**", nginx_stand_in(production_files))
    stranger_page.goto(url)
    assert "/accounts/login/" in stranger_page.url
    shot(stranger_page, "logged-out-sent-to-login")

    # Another user: a 404, as for someone else's order.
    verified(UserFactory(username="other_files"))
    login(stranger_page, "other_files", PASSWORD)
    response = stranger_page.goto(url)
    assert response.status == 404
    assert "X-Accel-Redirect" not in response.headers and "x-accel-redirect" not in response.headers
    shot(stranger_page, "another-user-404")

    # The stored file is not reachable under /media/ either.
    assert stranger_page.goto(f"/media/{stored.file.name}").status == 404
