"""Issue 13: every date in the reader's own time zone — the profile's zone, detected at sign-up, editable in the
settings, made current per request — and e-mailed texts in the recipient's zone."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AccountChange, User
from tests.accounts.test_signup import SIGNUP, signup_data
from tests.factories import UserFactory, verified

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 12, 3, 22, 54, tzinfo=UTC)


def test_signup_stores_the_zone_the_browser_detected(client):
    response = client.post(SIGNUP, signup_data(time_zone="America/New_York"))
    assert response.status_code == 302
    assert User.objects.get(username="new_person").time_zone == "America/New_York"


@pytest.mark.parametrize("sent", ["Mars/Olympus_Mons", "", "../../etc/passwd", "x" * 500, None])
def test_signup_with_an_unknown_zone_starts_in_utc_without_an_error(client, sent):
    response = client.post(SIGNUP, signup_data(time_zone=sent))
    assert response.status_code == 302
    assert User.objects.get(username="new_person").time_zone == "UTC"


def test_signup_page_loads_the_detecting_script_as_a_file_and_has_the_hidden_field(client):
    page = client.get(SIGNUP).content.decode()
    assert 'src="/static/js/timezone.js"' in page
    assert 'type="hidden" name="time_zone"' in page and "data-detect-time-zone" in page
    assert "<script>" not in page  # no inline script: the CSP would block it


def test_settings_change_the_zone_and_pages_follow_it(client):
    user = verified(UserFactory(time_zone="UTC"))
    client.force_login(user)
    form = client.get(reverse("accounts:settings")).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name != "avatar"}
    response = client.post(reverse("accounts:settings"), {**data, "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Asia/Tokyo"


def test_settings_refuse_a_zone_not_in_the_list_and_change_nothing(client):
    user = verified(UserFactory(time_zone="Europe/Berlin", city="Berlin", display_name="Before"))
    client.force_login(user)
    response = client.post(
        reverse("accounts:settings"), {"display_name": "Changed", "city": "Paris", "time_zone": "Nowhere/City"}
    )
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    user.refresh_from_db()
    assert (user.time_zone, user.city, user.display_name) == ("Europe/Berlin", "Berlin", "Before")


def test_the_middleware_shows_a_signed_in_persons_pages_in_their_zone_and_others_in_utc(client):
    tokyo = verified(UserFactory(time_zone="Asia/Tokyo"))
    AccountChange.objects.create(user=tokyo, kind=AccountChange.Kind.EMAIL, created_at=T0)
    with time_machine.travel(T0, tick=False):
        client.force_login(tokyo)
        page = client.get(reverse("accounts:settings")).content.decode()
    # Locked for a week after the change: 10 Dec 22:54 UTC is 11 Dec 07:54 in Tokyo.
    assert "locked until 11 Dec 2026, 07:54 JST" in page
    assert "Asia/Tokyo" in page  # the settings form shows the zone chosen
    assert timezone.get_current_timezone_name() == "UTC"  # nothing leaks past the request

    berlin = verified(UserFactory(time_zone="Europe/Berlin"))
    AccountChange.objects.create(user=berlin, kind=AccountChange.Kind.EMAIL, created_at=T0)
    with time_machine.travel(T0, tick=False):
        client.force_login(berlin)
        page = client.get(reverse("accounts:settings")).content.decode()
    assert "locked until 10 Dec 2026, 23:54 CET" in page


def test_a_stored_zone_this_system_does_not_know_falls_back_to_utc(client):
    user = verified(UserFactory())
    User.objects.filter(pk=user.pk).update(time_zone="Gone/Zone")  # e.g. an older tz database
    AccountChange.objects.create(user=user, kind=AccountChange.Kind.EMAIL, created_at=T0)
    with time_machine.travel(T0, tick=False):
        client.force_login(user)
        response = client.get(reverse("accounts:settings"))
    assert response.status_code == 200
    assert "locked until 10 Dec 2026, 22:54 UTC" in response.content.decode()


def test_an_emailed_text_uses_the_recipients_zone_not_the_current_one(django_capture_on_commit_callbacks):
    user = verified(UserFactory(time_zone="America/New_York", email_notifications=True))
    with (
        time_machine.travel(T0, tick=False),
        timezone.override(UTC),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.account_change_record(user=user, kind=AccountChange.Kind.EMAIL, old_value="a@x.test")
    body = user.notifications.get().body
    assert "10 Dec 2026, 17:54 EST" in body  # 22:54 UTC a week later, in New York
    assert any("10 Dec 2026, 17:54 EST" in message.body for message in mail.outbox)
