"""Issue 9, platform part: privacy headers, request size cap, NUL bytes, the session idle timeout."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from common.uploads import MAX_UPLOAD_BYTES


@pytest.mark.django_db
def test_signed_in_pages_are_private_and_not_stored(client):
    from tests.orders.factories import place

    order = place()
    client.force_login(order.buyer)
    urls = ["/dashboard/", "/balance/", "/balance/statement.csv", "/orders/buying/", "/notifications/"]
    for url in [*urls, order.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = response.headers.get("Cache-Control", "")
        assert "private" in cache_control and "no-store" in cache_control, (url, cache_control)


@pytest.mark.django_db
def test_anonymous_pages_are_not_marked_private(client):
    response = client.get("/")
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_a_view_that_chose_its_caching_keeps_it(user_client):
    # /health/ and the like may set their own; the middleware only fills in a missing header.
    from django.http import HttpResponse

    from common.middleware import PrivacyHeadersMiddleware

    class Req:
        user = type("U", (), {"is_authenticated": True})()

    def view(request):
        response = HttpResponse("x")
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    response = PrivacyHeadersMiddleware(view)(Req())
    assert response.headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.django_db
def test_every_page_sends_a_permissions_policy(client, user_client):
    for c in (client,):
        policy = c.get("/").headers["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy
    assert "camera=()" in user_client.get("/dashboard/").headers["Permissions-Policy"]


def test_body_cap_fits_the_largest_legitimate_form():
    from orders.rules import MAX_FILES_PER_MESSAGE

    assert settings.MAX_REQUEST_BODY_BYTES > MAX_FILES_PER_MESSAGE * MAX_UPLOAD_BYTES


@pytest.mark.django_db
def test_a_body_over_the_cap_is_refused_with_413_before_it_is_read(user_client):
    too_big = settings.MAX_REQUEST_BODY_BYTES + 1
    response = user_client.generic(
        "POST",
        "/account/settings/",
        b"",  # the declared length is what counts: nothing is read
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(too_big),
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


@pytest.mark.django_db
def test_a_nonsense_content_length_is_a_400(client):
    response = client.generic("POST", "/accounts/login/", b"", CONTENT_LENGTH="lots")
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/u/%00/", "/r/%00/", "/search/?q=%00", "/backoffice/deletions/?status=%00"])
def test_nul_bytes_in_the_address_are_a_400(client, url):
    assert client.get(url).status_code == 400


@pytest.mark.django_db
def test_nul_bytes_in_a_form_are_a_400(user_client):
    response = user_client.post("/account/settings/", {"display_name": "a\x00b"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_session_ends_after_the_idle_timeout(user_client):
    idle = dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT_SECONDS)
    start = dt.datetime.now(tz=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        assert user_client.get("/dashboard/").status_code == 200
        # Active use keeps the session alive beyond the timeout counted from the login...
        for _ in range(3):
            traveller.shift(idle * 0.6)
            assert user_client.get("/dashboard/").status_code == 200
        # ...and a longer pause than the timeout ends it.
        traveller.shift(idle + dt.timedelta(minutes=1))
        response = user_client.get("/dashboard/")
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.django_db
def test_get_only_pages_answer_head(client):
    from tests.orders.factories import place

    order = place()
    kwork = order.kwork
    urls = ["/", "/search/?q=logo", kwork.get_absolute_url(), "/categories/"]
    for url in urls:
        assert client.head(url).status_code in (200, 302), url
    client.force_login(order.buyer)
    for url in [order.get_absolute_url(), "/orders/buying/", "/balance/", "/cart/"]:
        assert client.head(url).status_code == 200, url
