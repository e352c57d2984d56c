"""The withdraw page says truthfully what can be withdrawn now (issue 13, P4–P6): nothing while the week-long
lock after a sensitive change runs, with the date it ends given once, in the one date format."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import AccountChange
from common import dates
from payments import services
from tests.factories import UserFactory
from tests.support import fund

pytestmark = pytest.mark.django_db


def _text(html):
    """The page's visible words, tags dropped and spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_p6_while_locked_nothing_is_withdrawable_now_and_the_date_is_said_once(user_client, user):
    fund(user, 27000)
    services.payout_details_save(user=user, holder_name="Pat Doe", card_last4="1234")
    until = AccountChange.objects.get(user=user).created_at + timedelta(days=7)
    html = user_client.get("/balance/withdraw/").content.decode()
    assert 'data-testid="withdrawable">$0.00<' in html
    assert 'data-testid="withdrawable-later">$270.00<' in html  # and from when, the same money
    text = _text(html)
    assert "Withdrawable now $0.00" in text and "Withdrawable now $270.00" not in text
    # The end of the lock appears once, in the site's one format.
    shown = dates.format_datetime(until)
    assert text.count(shown) == 1
    assert text.count("locked") == 1 and "Payout details changed" in text
    assert "Request withdrawal" not in text  # a form that could only answer "locked" is not offered
    assert "It can be changed again when the lock ends." in text


def test_p6_the_balance_page_does_not_call_locked_money_withdrawable(user_client, user):
    fund(user, 27000)
    services.payout_details_save(user=user, holder_name="Pat Doe", card_last4="1234")
    text = _text(user_client.get("/balance/").content.decode())
    assert "$0.00 withdrawable now" in text
    assert "$270.00 withdrawable now" not in text


def test_p6_after_the_week_the_whole_withdrawable_part_is_offered(user_client, user):
    fund(user, 27000)
    services.payout_details_save(user=user, holder_name="Pat Doe", card_last4="1234")
    AccountChange.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=7, minutes=1))
    html = user_client.get("/balance/withdraw/").content.decode()
    assert 'data-testid="withdrawable">$270.00<' in html
    assert 'data-testid="locked"' not in html and 'data-testid="withdrawable-later"' not in html
    assert "Request withdrawal" in html


def test_p6_an_email_change_locks_too_and_says_so(user_client, user):
    fund(user, 5000)
    services.payout_details_save(user=user, holder_name="Pat Doe", card_last4="1234")
    AccountChange.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=8))
    AccountChange.objects.create(user=user, kind=AccountChange.Kind.EMAIL, old_value="a@x.test", new_value="b@x")
    text = _text(user_client.get("/balance/withdraw/").content.decode())
    assert "Withdrawable now $0.00" in text and "E-mail changed" in text


def test_p4_without_a_payout_card_nothing_is_withdrawable_yet(user_client, user):
    fund(user, 5000)
    html = user_client.get("/balance/withdraw/").content.decode()
    assert 'data-testid="withdrawable">$0.00<' in html
    assert "Add the card to pay out to first" in html and html.count("Add the card to pay out to first") == 1


def test_a4_without_a_confirmed_email_nothing_is_withdrawable(client):
    person = UserFactory()
    EmailAddress.objects.filter(user=person).delete()
    client.force_login(person)
    fund(person, 5000)
    html = client.get("/balance/withdraw/").content.decode()
    assert 'data-testid="withdrawable">$0.00<' in html
    assert html.count("Confirm your e-mail address before withdrawing.") == 1


def test_p5_young_card_money_is_not_withdrawable_now_and_says_when(user_client, user):
    fund(user, 4000, card=("fp_a", "4242"), when=timezone.now() - timedelta(days=3))
    fund(user, 1000)
    services.payout_details_save(user=user, holder_name="Pat Doe", card_fingerprint="fp_a")
    AccountChange.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=8))
    html = user_client.get("/balance/withdraw/").content.decode()
    assert 'data-testid="withdrawable">$10.00<' in html
    assert "$40.00 was added by card less than 30 days ago" in _text(html)
