"""The balance page and statement (P1, P9), the dashboard card and menus."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments import services
from tests.factories import UserFactory, in_group, verified
from tests.support import fund

from .conftest import bonus

pytestmark = pytest.mark.django_db


def test_p1_balance_page_shows_main_bonus_escrow_and_the_statement(user_client, user):
    fund(user, 5000)
    bonus(user, 1000)
    services.escrow_hold(buyer=user, amount_cents=1500, reference="order:42", idempotency_key="k")
    html = user_client.get("/balance/").content.decode()
    assert "$4,500.00" not in html  # integer cents, never dollars-as-cents
    assert "$45.00" in html and "$0.00" in html and "$15.00" in html
    # Each row says what it is in words (the order links are tests/payments/test_statement.py's).
    assert "Payment for order #42" in html and "Top-up (test mode" in html and "Promo bonus, code" in html


def test_p9_statement_query_count_is_the_same_for_1_and_50_entries(user_client, user):
    fund(user, 100)
    user_client.get("/balance/")
    with CaptureQueriesContext(connection) as one:
        user_client.get("/balance/")
    for _ in range(49):
        fund(user, 100)
    with CaptureQueriesContext(connection) as fifty:
        response = user_client.get("/balance/")
    assert response.content.decode().count("Top-up (test mode") == 25  # one page
    assert len(fifty) == len(one)


def test_p9_statement_csv_lists_every_entry(user_client, user):
    fund(user, 5000)
    bonus(user, 250)
    response = user_client.get("/balance/statement.csv")
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0] == "date,part,reason,reference,amount,balance_after,memo,description"
    assert len(lines) == 3
    assert any(",Main balance,Funds added,topup:" in line and ",50.00,50.00," in line for line in lines)
    assert any(",Bonus balance,Promo code," in line and ",2.50,2.50," in line for line in lines)


def test_p9_statement_shows_only_the_users_own_entries(user_client, user, other_user):
    fund(other_user, 7777)
    html = user_client.get("/balance/").content.decode()
    assert "$77.77" not in html and "No money has moved yet" in html


def test_balance_pages_need_login(client):
    for url in ("/balance/", "/balance/add/", "/balance/withdraw/", "/referrals/", "/balance/statement.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_p1_dashboard_card_and_menus_show_the_balance(user_client, user):
    fund(user, 1234)
    html = user_client.get("/dashboard/").content.decode()
    assert 'data-testid="balance-card"' in html and "$12.34" in html
    assert 'href="/balance/"' in html and 'href="/referrals/"' in html


def test_t6_backoffice_overview_counts_withdrawals_to_review(client):
    support = in_group(verified(UserFactory()), "Support")
    client.force_login(support)
    html = client.get("/backoffice/").content.decode()
    assert "withdrawals to review" in html and 'href="/backoffice/withdrawals/"' in html


def test_t6_support_role_has_the_withdrawal_permissions():
    from django.contrib.auth.models import Group

    perms = set(Group.objects.get(name="Support").permissions.values_list("codename", flat=True))
    assert {"view_withdrawal", "change_withdrawal", "view_payoutbatch"} <= perms


def test_p1_p8_demo_gives_bella_main_and_bonus_money_once(db):
    from accounts import demo as account_demo
    from accounts.models import User
    from payments import demo
    from payments.invariants import ledger_problems
    from payments.selectors import balance_of

    account_demo.seed(lambda *a: None)
    demo.seed(lambda *a: None)
    demo.seed(lambda *a: None)  # safe to run again
    bella = User.objects.get(username="bella")
    b = balance_of(bella)
    # $150 test mode, $40 and $25 by card (P5: the young $25 is held a month), $10 bonus.
    assert (b.main_cents, b.bonus_cents) == (15_000 + 4_000 + 2_500, 1000)
    assert b.withdrawable_cents == 15_000 + 4_000
    assert ledger_problems() == []


def test_statement_links_only_references_whose_app_registered_a_page():
    from payments import references

    assert references.reference_url("order:42") == "/orders/42/"  # registered by the orders app
    assert references.reference_url("topup:7") == ""
    assert references.reference_url("order:abc") == "" and references.reference_url("") == ""


def test_p4_payout_days_are_named_once_and_every_text_is_derived():
    from payments import rules

    assert rules.PAYOUT_WEEKDAYS == (0, 2, 4)
    assert rules.PAYOUT_DAYS_CRONTAB == "mon,wed,fri"
    assert rules.PAYOUT_DAYS_TEXT == "Mondays, Wednesdays and Fridays"
