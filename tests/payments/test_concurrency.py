"""Double-spend attempts with real threads on PostgreSQL (P1, P2, P4, P9): row locks in primary-key order
leave no negative balance and no lost cent."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from common.errors import DomainError
from payments import services
from payments.invariants import ledger_problems
from payments.models import EscrowHold, LedgerAccount, PayoutDetails, TopUp, Withdrawal
from payments.selectors import balance_of
from tests.concurrency import race
from tests.support import fund

from .conftest import post_webhook, session_event, sign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def test_p2_p9_eight_holds_racing_for_one_balance_spend_it_once(user):
    fund(user, 1000)
    results = race(
        *[
            (
                lambda i=i: services.escrow_hold(
                    buyer=user, amount_cents=600, reference=f"order:{i}", idempotency_key=f"k{i}"
                )
            )
            for i in range(THREADS)
        ]
    )
    won = [r for r in results if isinstance(r, EscrowHold)]
    lost = [r for r in results if isinstance(r, services.InsufficientFunds)]
    assert len(won) == 1 and len(lost) == THREADS - 1
    assert all(r.missing_cents == 200 for r in lost)
    assert balance_of(user).main_cents == 400
    assert ledger_problems() == []


def test_p2_p9_many_small_holds_never_overspend(user):
    fund(user, 1000)
    results = race(
        *[
            (
                lambda i=i: services.escrow_hold(
                    buyer=user, amount_cents=300, reference=f"order:{i}", idempotency_key=f"k{i}"
                )
            )
            for i in range(THREADS)
        ]
    )
    assert sum(isinstance(r, EscrowHold) for r in results) == 3
    assert balance_of(user).main_cents == 100
    assert ledger_problems() == []


def test_p2_same_idempotency_key_at_the_same_moment_holds_once(user):
    fund(user, 5000)
    results = race(
        *[
            (
                lambda: services.escrow_hold(
                    buyer=user, amount_cents=1000, reference="order:1", idempotency_key="same"
                )
            )
        ]
        * THREADS
    )
    holds = {r.pk for r in results if isinstance(r, EscrowHold)}
    assert len(holds) == 1, results
    assert balance_of(user).main_cents == 4000
    assert ledger_problems() == []


def test_p4_p9_hold_and_withdrawal_racing_for_the_same_money(user):
    fund(user, 2000)
    PayoutDetails.objects.create(user=user, holder_name="Pat", card_last4="1234")
    results = race(
        lambda: services.escrow_hold(buyer=user, amount_cents=1500, reference="order:1", idempotency_key="k"),
        lambda: services.withdrawal_request(user=user, amount_cents=1500),
    )
    successes = [r for r in results if isinstance(r, EscrowHold | Withdrawal)]
    failures = [r for r in results if isinstance(r, DomainError)]
    assert len(successes) == 1 and len(failures) == 1, results
    assert balance_of(user).main_cents == 500
    assert ledger_problems() == []


def test_p2_release_and_refund_racing_on_one_hold_resolve_it_once(user, seller):
    fund(user, 1000)
    hold = services.escrow_hold(buyer=user, amount_cents=1000, reference="order:1", idempotency_key="k")
    results = race(
        *[(lambda: services.escrow_release(hold=hold, seller=seller)), (lambda: services.escrow_refund(hold=hold))]
        * 4
    )
    errors = [r for r in results if isinstance(r, DomainError)]
    assert 0 < len(errors) < len(results)
    hold.refresh_from_db()
    if hold.status == EscrowHold.Status.RELEASED:
        assert balance_of(seller).main_cents == 800 and balance_of(user).main_cents == 0
    else:
        assert balance_of(seller).main_cents == 0 and balance_of(user).main_cents == 1000
    assert ledger_problems() == []


def test_p1_two_identical_webhooks_at_the_same_moment_credit_once(user, stripe_settings):
    topup = TopUp.objects.create(user=user, amount_cents=5000, stripe_session_id="cs_race")
    payload = session_event(topup, event_id="evt_race")
    header = sign(payload)
    results = race(*[(lambda: post_webhook(Client(), payload, signature=header))] * 4)
    assert all(r.status_code == 200 for r in results), results
    bodies = sorted(r.content for r in results)
    assert bodies.count(b"credited") == 1
    assert balance_of(user).main_cents == 5000
    assert ledger_problems() == []


def test_p1_completed_and_async_succeeded_at_the_same_moment_credit_once(user, stripe_settings):
    topup = TopUp.objects.create(user=user, amount_cents=5000, stripe_session_id="cs_race2")
    a = session_event(topup, event_id="evt_a")
    b = session_event(topup, event_id="evt_b", type="checkout.session.async_payment_succeeded")
    results = race(lambda: post_webhook(Client(), a), lambda: post_webhook(Client(), b))
    assert sorted(r.content for r in results) == [b"credited", b"ignored: already credited"]
    assert balance_of(user).main_cents == 5000


def test_p4_two_payout_runs_at_once_never_pay_a_request_twice(user, other_user):
    from payments.models import PayoutBatch

    for person in (user, other_user):
        fund(person, 5000)
        PayoutDetails.objects.create(user=person, holder_name="Pat", card_last4="1234")
    for person in (user, other_user):
        w = services.withdrawal_request(user=person, amount_cents=2000)
        services.withdrawal_approve(withdrawal=w, staff_user=None)
    race(*[(lambda: services.payout_batch_run(force=True))] * 4)
    assert Withdrawal.objects.filter(status="paid").count() == 2
    assert sum(PayoutBatch.objects.values_list("count", flat=True)) == 2
    assert services.system_balance(LedgerAccount.Kind.PAYOUTS) == 0
    assert ledger_problems() == []


def test_p9_lock_order_prevents_deadlocks_in_crossed_transfers(user, other_user, seller):
    """Holds and releases between the same people in both directions at once: no deadlock, no drift."""
    for person in (user, other_user):
        fund(person, 10_000)
    jobs = []
    for i in range(THREADS):
        buyer, sell = (user, other_user) if i % 2 else (other_user, user)

        def job(i=i, buyer=buyer, sell=sell):
            h = services.escrow_hold(
                buyer=buyer, amount_cents=100, reference=f"order:{i}", idempotency_key=f"k{i}"
            )
            return services.escrow_release(hold=h, seller=sell)

        jobs.append(job)
    results = race(*jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert ledger_problems() == []
    assert timezone.now() - timedelta(minutes=5) < EscrowHold.objects.latest("pk").resolved_at


def test_p2_two_batch_refunds_over_the_same_holds_refund_each_once(user, other_user):
    fund(user, 10_000)
    fund(other_user, 10_000)
    holds = [
        services.escrow_hold(buyer=person, amount_cents=500, reference=f"order:{i}", idempotency_key=f"k{i}")
        for i, person in enumerate([user, other_user] * 10)
    ]
    results = race(
        lambda: services.escrow_refund_many(holds=holds),
        lambda: services.escrow_refund_many(holds=list(reversed(holds))),
        lambda: services.escrow_refund(hold=holds[7]),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert balance_of(user).main_cents == 10_000 and balance_of(other_user).main_cents == 10_000
    assert EscrowHold.objects.filter(status="refunded").count() == 20
    assert ledger_problems() == []
