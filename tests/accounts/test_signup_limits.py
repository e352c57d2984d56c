"""Issue 13, T4: a person fixing typos in the sign-up form is never told to slow down; what the limit holds back is
the accounts created per address."""

import pytest

from accounts import rules
from accounts.models import User
from common.ratelimit import _parse
from tests.accounts.test_signup import SIGNUP, signup_data

pytestmark = pytest.mark.django_db
ACCOUNTS_PER_WINDOW, _ = _parse(rules.RATE_SIGNUP_ACCOUNTS)


def test_many_failed_attempts_then_a_valid_one_creates_the_account(client):
    typos = [
        {"password2": "a-long-pass-phrase-43"},  # the passwords differ
        {"email": "new.person@example"},  # no domain
        {"username": "x"},  # too short
        {"is_adult": None},
        {"accept_terms": None},
        {"password1": "short", "password2": "short"},
        {"email": ""},
        {"username": "new person"},  # a space
    ]
    assert len(typos) > ACCOUNTS_PER_WINDOW + 1
    for typo in typos:
        response = client.post(SIGNUP, signup_data(**typo))
        assert response.status_code == 200, typo  # the form again, with its message
        assert "Slow down" not in response.content.decode()
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    assert User.objects.filter(username="new_person").exists()


def test_accounts_created_from_one_address_are_still_limited(client):
    for i in range(ACCOUNTS_PER_WINDOW):
        client.post(SIGNUP, signup_data(username=f"maker{i}", email=f"maker{i}@example.com"))
    assert User.objects.filter(username__startswith="maker").count() == ACCOUNTS_PER_WINDOW
    response = client.post(SIGNUP, signup_data(username="one_more", email="one.more@example.com"))
    assert response.status_code == 429
    assert "Slow down" in response.content.decode()
    assert not User.objects.filter(username="one_more").exists()
    # A typo is still answered with the form's message, not hidden behind the limit's page.
    assert client.post(SIGNUP, signup_data(username="x", email="x@example.com")).status_code == 200


def test_the_limit_counts_per_address(client):
    for i in range(ACCOUNTS_PER_WINDOW):
        client.post(
            SIGNUP, signup_data(username=f"maker{i}", email=f"maker{i}@example.com"), REMOTE_ADDR="10.0.0.1"
        )
    response = client.post(SIGNUP, signup_data(), REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302
    assert User.objects.filter(username="new_person").exists()
