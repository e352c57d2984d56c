"""Withdrawals (P4), card money (P5), the one-week lock (P6, A5, A6), the back office and payout batches."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AccountChange
from common.errors import DomainError
from payments import selectors, services
from payments.invariants import ledger_problems
from payments.models import LedgerAccount, PayoutBatch, PayoutDetails, Withdrawal
from payments.selectors import balance_of
from tests.factories import UserFactory, in_group, verified
from tests.support import fund, snapshot

from .conftest import bonus
from .signin import sign_in

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)


def past_lock():
    """Travel to a moment after the payout-details lock started by `with_card`."""
    return time_machine.travel(timezone.now() + timedelta(days=8), tick=False)


def with_card(user, last4="1234", fingerprint=""):
    details = services.payout_details_save(
        user=user, holder_name="Pat Doe", card_last4=last4, card_fingerprint=fingerprint
    )
    AccountChange.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=8))
    return details


@pytest.fixture
def support(db):
    return in_group(verified(UserFactory()), "Support")


def test_p4_withdrawal_request_moves_main_money_to_pending_payouts(user):
    fund(user, 5000)
    with_card(user)
    w = services.withdrawal_request(user=user, amount_cents=2000)
    assert (w.amount_cents, w.fee_cents, w.payout_cents, w.status) == (2000, 90, 1910, "requested")
    assert balance_of(user).main_cents == 3000
    assert services.system_balance(LedgerAccount.Kind.PAYOUTS) == 2000
    assert ledger_problems() == []


def test_p4_card_fee_is_4_5_percent_rounded_half_up():
    assert selectors.withdrawal_quote(1000) == (45, 955)
    assert selectors.withdrawal_quote(1011) == (45, 966)  # 45.495 → 45
    assert selectors.withdrawal_quote(1012) == (46, 966)  # 45.54 → 46


def test_p4_withdrawal_below_minimum_is_refused(user):
    fund(user, 5000)
    with_card(user)
    before = snapshot()
    with pytest.raises(DomainError, match=r"The minimum withdrawal is \$10.00"):
        services.withdrawal_request(user=user, amount_cents=999)
    assert snapshot() == before and not Withdrawal.objects.exists()


def test_p4_minimum_is_a_setting(user, settings):
    settings.PAYMENTS_WITHDRAWAL_MIN_CENTS = 5000
    fund(user, 9000)
    with_card(user)
    with pytest.raises(DomainError, match=r"\$50.00"):
        services.withdrawal_request(user=user, amount_cents=4000)


@pytest.mark.parametrize("amount", [0, -500])
def test_p4_zero_or_negative_withdrawal_is_refused(user, amount):
    fund(user, 5000)
    with_card(user)
    before = snapshot()
    with pytest.raises(DomainError, match="more than zero"):
        services.withdrawal_request(user=user, amount_cents=amount)
    assert snapshot() == before


def test_p4_more_than_the_main_part_is_refused_and_bonus_is_never_withdrawable(user):
    fund(user, 2000)
    bonus(user, 5000)
    with_card(user)
    before = snapshot()
    with pytest.raises(DomainError, match=r"Not enough money on your balance. You can withdraw at most \$20.00"):
        services.withdrawal_request(user=user, amount_cents=2500)
    assert snapshot() == before
    assert balance_of(user).withdrawable_cents == 2000


def test_p4_withdrawal_needs_payout_details_and_confirmed_email(user):
    fund(user, 5000)
    with pytest.raises(DomainError, match="Add the card"):
        services.withdrawal_request(user=user, amount_cents=2000)
    with_card(user)
    EmailAddress.objects.filter(user=user).update(verified=False)
    before = snapshot()
    with pytest.raises(DomainError, match="confirm your e-mail"):
        services.withdrawal_request(user=user, amount_cents=2000)
    assert snapshot() == before


def test_p5_card_money_is_withdrawable_only_a_month_after_the_top_up(user):
    fund(user, 5000, card=("fp_a", "4242"))
    with_card(user, fingerprint="fp_a")
    assert balance_of(user).withdrawable_cents == 0
    before = snapshot()
    with pytest.raises(DomainError, match=r"added by card less than a month ago") as exc:
        services.withdrawal_request(user=user, amount_cents=2000)
    assert "You can withdraw $0.00 now" in str(exc.value)
    assert snapshot() == before
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        assert balance_of(user).withdrawable_cents == 5000
        services.withdrawal_request(user=user, amount_cents=2000)
    assert balance_of(user).main_cents == 3000


def test_p5_earned_money_is_withdrawable_while_card_money_waits(user):
    fund(user, 3000)  # money that did not come from a card (e.g. sales)
    fund(user, 2000, card=("fp_a", "4242"))
    with_card(user, fingerprint="fp_a")
    assert balance_of(user).withdrawable_cents == 3000
    services.withdrawal_request(user=user, amount_cents=3000)
    with pytest.raises(DomainError, match="less than a month ago"):
        services.withdrawal_request(user=user, amount_cents=1000)


def test_p5_payout_card_must_be_the_card_that_added_the_funds(user):
    fund(user, 5000, card=("fp_a", "4242"))
    with pytest.raises(DomainError, match="only be withdrawn to that card"):
        services.payout_details_save(user=user, holder_name="Pat", card_last4="9999")
    assert not PayoutDetails.objects.exists()
    details = services.payout_details_save(user=user, holder_name="Pat", card_fingerprint="fp_a")
    assert details.card_last4 == "4242"


def test_p5_old_payout_card_is_refused_once_a_card_was_used_to_add_funds(user):
    fund(user, 3000)
    with_card(user, last4="1111")
    fund(user, 1000, card=("fp_a", "4242"))
    before = snapshot()
    with pytest.raises(DomainError, match="only be withdrawn to that card"):
        services.withdrawal_request(user=user, amount_cents=2000)
    assert snapshot() == before


def test_p6_new_payout_details_lock_withdrawals_for_a_week(user):
    fund(user, 5000)
    services.payout_details_save(user=user, holder_name="Pat", card_last4="1234")
    assert AccountChange.objects.filter(user=user, kind=AccountChange.Kind.PAYOUT_DETAILS).exists()
    before = snapshot()
    with pytest.raises(DomainError, match="Withdrawals are locked until"):
        services.withdrawal_request(user=user, amount_cents=2000)
    assert snapshot() == before
    with past_lock():
        services.withdrawal_request(user=user, amount_cents=2000)


def test_p6_payout_details_cannot_change_during_the_lock(user):
    services.payout_details_save(user=user, holder_name="Pat", card_last4="1234")
    with pytest.raises(DomainError, match="Changes to payout details are locked"):
        services.payout_details_save(user=user, holder_name="Pat", card_last4="5678")
    assert PayoutDetails.objects.get(is_current=True).card_last4 == "1234"


@pytest.mark.parametrize("kind", [AccountChange.Kind.EMAIL, AccountChange.Kind.USERNAME])
def test_a5_a6_email_or_login_change_locks_withdrawals_for_a_week(user, kind):
    fund(user, 5000)
    with_card(user)
    account_services.account_change_record(user=user, kind=kind, old_value="a", new_value="b")
    before = snapshot()
    with pytest.raises(DomainError, match="Withdrawals are locked until"):
        services.withdrawal_request(user=user, amount_cents=2000)
    with pytest.raises(DomainError, match="payout details are locked"):
        services.payout_details_save(user=user, holder_name="Pat", card_last4="5678")
    assert snapshot() == before
    with past_lock():
        assert services.withdrawal_request(user=user, amount_cents=2000).status == "requested"


def test_p4_support_rejection_returns_the_money(user, support):
    fund(user, 5000)
    with_card(user)
    w = services.withdrawal_request(user=user, amount_cents=2000)
    services.withdrawal_reject(withdrawal=w, staff_user=support, reason="Card details do not match")
    w.refresh_from_db()
    assert w.status == "rejected" and w.decided_by == support
    assert balance_of(user).main_cents == 5000
    assert ledger_problems() == []
    with pytest.raises(DomainError, match="already rejected"):
        services.withdrawal_approve(withdrawal=w, staff_user=support)
    before = snapshot()
    with pytest.raises(DomainError, match="already rejected"):
        services.withdrawal_reject(withdrawal=w, staff_user=support, reason="again")
    assert snapshot() == before


def test_p4_rejection_needs_a_reason(user, support):
    fund(user, 5000)
    with_card(user)
    w = services.withdrawal_request(user=user, amount_cents=2000)
    with pytest.raises(DomainError, match="reason"):
        services.withdrawal_reject(withdrawal=w, staff_user=support, reason=" ")


def test_p4_approved_requests_are_paid_in_a_batch_on_monday_wednesday_friday(user, other_user, support):
    for person in (user, other_user):
        fund(person, 5000)
        with_card(person)
    w1 = services.withdrawal_request(user=user, amount_cents=2000)
    w2 = services.withdrawal_request(user=other_user, amount_cents=1000)
    w3 = services.withdrawal_request(user=other_user, amount_cents=1000)  # not approved: waits
    services.withdrawal_approve(withdrawal=w1, staff_user=support)
    services.withdrawal_approve(withdrawal=w2, staff_user=support)
    with time_machine.travel(TUESDAY, tick=False):
        assert services.payout_batch_run() is None
    with time_machine.travel(MONDAY, tick=False):
        batch = services.payout_batch_run()
        assert services.payout_batch_run() is None  # nothing left: a second run pays nothing twice
    assert (batch.count, batch.total_cents) == (2, 1910 + 955)
    for w in (w1, w2, w3):
        w.refresh_from_db()
    assert (w1.status, w2.status, w3.status) == ("paid", "paid", "requested")
    assert services.system_balance(LedgerAccount.Kind.PLATFORM) == 90 + 45
    assert services.system_balance(LedgerAccount.Kind.PAYOUTS) == 1000
    assert ledger_problems() == []


def test_p4_beat_runs_the_payout_batch_on_monday_wednesday_friday():
    from config.celery import build_beat_schedule

    entry = build_beat_schedule()["payments-payout-batch"]
    assert entry["task"] == "payments.tasks.payout_batch_run"
    assert entry["schedule"].day_of_week == {1, 3, 5}


def test_p4_payout_task_is_idempotent(user, support):
    from payments.tasks import payout_batch_run

    fund(user, 5000)
    with_card(user)
    w = services.withdrawal_request(user=user, amount_cents=2000)
    services.withdrawal_approve(withdrawal=w, staff_user=support)
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):  # Wednesday
        first = payout_batch_run.delay().get()
        assert payout_batch_run.delay().get() is None
    assert PayoutBatch.objects.get().pk == first


def test_p4_a_failing_payout_provider_pays_nothing(user, support, settings):
    settings.PAYMENTS_PAYOUT_PROVIDER = "tests.payments.test_withdrawals.BrokenProvider"
    fund(user, 5000)
    with_card(user)
    w = services.withdrawal_request(user=user, amount_cents=2000)
    services.withdrawal_approve(withdrawal=w, staff_user=support)
    before = snapshot()
    with time_machine.travel(MONDAY, tick=False), pytest.raises(RuntimeError):
        services.payout_batch_run()
    assert snapshot() == before
    w.refresh_from_db()
    assert w.status == "approved"


class BrokenProvider:
    name = "broken"

    def send(self, *, batch, withdrawals):
        raise RuntimeError("bank unreachable")


# --- pages ------------------------------------------------------------------------------------------------


def test_p4_withdraw_page_shows_fee_and_refusal_next_to_the_field(client, user):
    user_client = sign_in(client, user)  # money forms want a recent login
    fund(user, 5000)
    with_card(user)
    page = user_client.get("/balance/withdraw/")
    assert page.status_code == 200 and b"4.5 %" in page.content
    response = user_client.post("/balance/withdraw/", {"amount": "5.00"})
    html = response.content.decode()
    assert "The minimum withdrawal is $10.00" in html and 'value="5.00"' in html
    assert not Withdrawal.objects.exists()
    response = user_client.post("/balance/withdraw/", {"amount": "20"})
    assert response.status_code == 302
    assert Withdrawal.objects.get().amount_cents == 2000


def test_p4_quote_partial_shows_fee_and_amount_received(user_client, user):
    fund(user, 5000)
    response = user_client.get("/balance/withdraw/quote/", {"amount": "100"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "$4.50" in html and "$95.50" in html
    assert "at most $50.00" in html
    assert "minimum" in user_client.get("/balance/withdraw/quote/", {"amount": "5"}).content.decode()


def test_p6_withdraw_page_says_why_it_is_locked(user_client, user):
    services.payout_details_save(user=user, holder_name="Pat", card_last4="1234")
    page = user_client.get("/balance/withdraw/")
    assert b'data-testid="locked"' in page.content


def test_p6_payout_card_form_saves_and_starts_the_lock(client, user):
    user_client = sign_in(client, user)  # money forms want a recent login
    response = user_client.post("/balance/payout-card/", {"holder_name": "Pat Doe", "card_last4": "4321"})
    assert response.status_code == 302
    assert PayoutDetails.objects.get(user=user).card_last4 == "4321"
    response = user_client.post("/balance/payout-card/", {"holder_name": "Pat Doe", "card_last4": "12a4"})
    assert response.status_code == 200 and PayoutDetails.objects.count() == 1


def test_t6_backoffice_withdrawals_is_for_support_only(user_client, client, support):
    assert user_client.get("/backoffice/withdrawals/").status_code == 403
    client.force_login(support)
    assert client.get("/backoffice/withdrawals/").status_code == 200


def test_p4_support_approves_and_rejects_in_the_back_office(client, user, other_user, support):
    for person in (user, other_user):
        fund(person, 5000)
        with_card(person)
    w1 = services.withdrawal_request(user=user, amount_cents=2000)
    w2 = services.withdrawal_request(user=other_user, amount_cents=3000)
    client.force_login(support)
    page = client.get("/backoffice/withdrawals/")
    assert f"#{w1.pk} · {user.username}".encode() in page.content
    client.post(f"/backoffice/withdrawals/{w1.pk}/", {"decision": "approve"})
    client.post(f"/backoffice/withdrawals/{w2.pk}/", {"decision": "reject", "reason": "Suspicious"})
    w1.refresh_from_db()
    w2.refresh_from_db()
    assert (w1.status, w2.status) == ("approved", "rejected")
    assert balance_of(other_user).main_cents == 5000


def test_p4_backoffice_batch_csv_lists_the_payments(client, user, support):
    fund(user, 5000)
    with_card(user, last4="7777")
    w = services.withdrawal_request(user=user, amount_cents=2000)
    services.withdrawal_approve(withdrawal=w, staff_user=support)
    with time_machine.travel(MONDAY, tick=False):
        batch = services.payout_batch_run()
    client.force_login(support)
    response = client.get(f"/backoffice/withdrawals/batches/{batch.pk}.csv")
    text = response.content.decode()
    assert response["Content-Type"] == "text/csv"
    assert f"{w.pk},{user.pk},{user.username},Pat Doe,7777,20.00,0.90,19.10" in text


def test_p4_backoffice_list_query_count_is_constant(client, support, django_assert_num_queries):
    people = [verified(UserFactory()) for _ in range(3)]

    def make(n):
        for i in range(n):
            person = people[i % 3]
            fund(person, 2000)
            PayoutDetails.objects.get_or_create(
                user=person, is_current=True, defaults={"holder_name": "P", "card_last4": "1111"}
            )
            with past_lock():
                services.withdrawal_request(user=person, amount_cents=1000)

    client.force_login(support)
    make(1)
    client.get("/backoffice/withdrawals/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/backoffice/withdrawals/")
    make(20)
    with CaptureQueriesContext(connection) as many:
        client.get("/backoffice/withdrawals/")
    assert len(many) == len(one)
