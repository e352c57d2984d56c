"""Races on PostgreSQL with real threads (each with its own connection): the seller's "Start working" against
the O3 acceptance timer, the buyer's accept against the O6 auto-complete, two sweeps at once, and a sweep that
dies midway. Each ends with exactly one outcome and one ledger movement per order (P2, P9)."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from common.errors import DomainError
from marketplace.models import CartItem
from orders import services
from orders.models import Order, OrderEvent
from payments import services as payment_services
from payments.models import EscrowHold, LedgerTransaction
from tests.concurrency import race
from tests.orders.factories import assert_ledger_ok, delivered, fresh, kwork_of, person
from tests.orders.test_celery_worker import _database_url
from tests.support import fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 6


def resolutions(order):
    return LedgerTransaction.objects.filter(
        reference=order.reference,
        kind__in=[
            LedgerTransaction.Kind.ESCROW_RELEASE,
            LedgerTransaction.Kind.ESCROW_REFUND,
            LedgerTransaction.Kind.ESCROW_SPLIT,
        ],
    ).count()


def new_orders(n, *, seller=None):
    seller = seller or person()
    kwork = kwork_of(seller, price_cents=1000, lead_time_days=2)
    buyer = person()
    fund(buyer, 1000 * n)
    return [services.order_place(buyer=buyer, kwork=kwork) for _ in range(n)]


def test_o3_start_racing_the_acceptance_timer_has_one_outcome():
    orders = new_orders(ROUNDS)
    for order in orders:
        deadline = timezone.now() + timedelta(seconds=5)
        Order.objects.filter(pk=order.pk).update(accept_by=deadline)
        results = race(
            lambda o=order: services.order_start(order=o, seller=o.seller),
            lambda d=deadline: services.orders_autocancel_unaccepted(now=d + timedelta(seconds=1)),
        )
        started, swept = results
        order = fresh(order)
        if order.status == Order.Status.IN_PROGRESS:
            assert isinstance(started, Order) and swept == 0
            assert order.escrow_hold.status == EscrowHold.Status.HELD
            assert resolutions(order) == 0
        else:
            assert order.status == Order.Status.CANCELLED
            assert isinstance(started, DomainError) and str(started) == "This order has been cancelled."
            assert swept == 1
            assert order.escrow_hold.status == EscrowHold.Status.REFUNDED
            assert resolutions(order) == 1
        assert order.events.exclude(kind=OrderEvent.Kind.PLACED).count() == 1
    assert_ledger_ok()


def test_o6_accept_racing_the_auto_complete_releases_once():
    for _ in range(ROUNDS):
        order = delivered()
        deadline = timezone.now() + timedelta(seconds=5)
        Order.objects.filter(pk=order.pk).update(review_until=deadline)
        accepted, swept = race(
            lambda o=order: services.order_accept_delivery(order=o, buyer=o.buyer),
            lambda d=deadline: services.orders_autocomplete(now=d + timedelta(seconds=1)),
        )
        order = fresh(order)
        assert order.status == Order.Status.COMPLETED
        assert order.escrow_hold.status == EscrowHold.Status.RELEASED
        assert resolutions(order) == 1
        assert order.events.filter(kind=OrderEvent.Kind.COMPLETED).count() == 1
        if order.auto_completed:
            assert swept == 1 and isinstance(accepted, DomainError)
            assert str(accepted) == "This order is already completed."
        else:
            assert isinstance(accepted, Order) and swept == 0
    assert_ledger_ok()


def test_o3_two_sweeps_at_once_never_act_twice():
    orders = new_orders(40)
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(accept_by=timezone.now() - timedelta(minutes=1))
    counts = race(
        lambda: services.orders_autocancel_unaccepted(batch_size=7),
        lambda: services.orders_autocancel_unaccepted(batch_size=7),
        lambda: services.orders_autocancel_unaccepted(batch_size=7),
    )
    assert all(isinstance(c, int) for c in counts), counts
    assert sum(counts) == 40
    assert Order.objects.filter(status=Order.Status.CANCELLED).count() == 40
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.CANCELLED).count() == 40
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.ESCROW_REFUND).count() == 40
    assert_ledger_ok()


def test_o6_two_autocomplete_sweeps_at_once_release_each_order_once():
    orders = [delivered() for _ in range(12)]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(review_until=timezone.now() - timedelta(minutes=1))
    counts = race(
        lambda: services.orders_autocomplete(batch_size=5), lambda: services.orders_autocomplete(batch_size=5)
    )
    assert sum(counts) == 12
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.ESCROW_RELEASE).count() == 12
    assert_ledger_ok()


def test_o3_order_failing_midway_is_rolled_back_alone_and_done_by_the_next_run(monkeypatch, caplog):
    orders = new_orders(10)
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(accept_by=timezone.now() - timedelta(minutes=1))
    bad_hold = orders[4].escrow_hold_id
    real_many, real_one = payment_services.escrow_refund_many, payment_services.escrow_refund

    def refund_many(*, holds):
        if any(h.pk == bad_hold for h in holds):
            raise RuntimeError("ledger unavailable")
        return real_many(holds=holds)

    def refund_one(*, hold):
        if hold.pk == bad_hold:
            raise RuntimeError("ledger unavailable")
        return real_one(hold=hold)

    monkeypatch.setattr(payment_services, "escrow_refund_many", refund_many)
    monkeypatch.setattr(payment_services, "escrow_refund", refund_one)
    assert services.orders_autocancel_unaccepted(batch_size=4) == 9
    assert "retrying its orders one by one" in caplog.text
    assert "could not be handled; left for the next run" in caplog.text
    # The bad order rolled back entirely: still new, still held, no event; the other nine are done.
    assert list(Order.objects.filter(status=Order.Status.NEW).values_list("pk", flat=True)) == [orders[4].pk]
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.ESCROW_REFUND).count() == 9
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.CANCELLED).count() == 9
    assert_ledger_ok()
    monkeypatch.setattr(payment_services, "escrow_refund_many", real_many)
    monkeypatch.setattr(payment_services, "escrow_refund", real_one)
    assert services.orders_autocancel_unaccepted(batch_size=4) == 1
    assert services.orders_autocancel_unaccepted(batch_size=4) == 0
    assert Order.objects.filter(status=Order.Status.CANCELLED).count() == 10
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.ESCROW_REFUND).count() == 10
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.CANCELLED).count() == 10
    assert_ledger_ok()


def test_o9_answer_racing_the_auto_confirmation_has_one_outcome():
    for _ in range(ROUNDS):
        (order,) = new_orders(1)
        request = services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_other")
        respond_by = timezone.now() + timedelta(seconds=5)
        type(request).objects.filter(pk=request.pk).update(respond_by=respond_by)
        answered, swept = race(
            lambda r=request, o=order: services.cancellation_request_answer(
                request=r, user=o.seller, accept=False
            ),
            lambda d=respond_by: services.cancellation_requests_autoconfirm(now=d + timedelta(seconds=1)),
        )
        order = fresh(order)
        request.refresh_from_db()
        if request.status == request.Status.DECLINED:
            assert order.status == Order.Status.NEW and swept == 0 and resolutions(order) == 0
        else:
            assert request.status == request.Status.AUTO_CONFIRMED
            assert order.status == Order.Status.CANCELLED and swept == 1 and resolutions(order) == 1
            assert isinstance(answered, DomainError)
    assert_ledger_ok()


CHILD = """
import time
import django

django.setup()
from orders import services
from orders.services import sweeps

real_cancel_batch = sweeps._cancel_batch


def slow_cancel_batch(*args, **kwargs):
    result = real_cancel_batch(*args, **kwargs)
    time.sleep(0.3)  # still inside the batch's transaction: a kill here must roll the whole batch back
    return result


sweeps._cancel_batch = slow_cancel_batch
services.orders_autocancel_unaccepted(batch_size=3)
"""


def test_o3_sweep_process_killed_midway_loses_nothing_and_doubles_nothing(tmp_path):
    orders = new_orders(12)
    ids = [o.pk for o in orders]
    Order.objects.filter(pk__in=ids).update(accept_by=timezone.now() - timedelta(minutes=1))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": _database_url()}
    child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=settings.BASE_DIR, env=env)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while Order.objects.filter(pk__in=ids, status=Order.Status.CANCELLED).count() < 4:
            assert time.monotonic() < deadline, "the child sweep made no progress"
            assert child.poll() is None, "the child sweep ended before it was killed"
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    done = Order.objects.filter(pk__in=ids, status=Order.Status.CANCELLED).count()
    assert 4 <= done < 12 and done % 3 == 0  # whole batches of 3, never part of one
    refunds = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.ESCROW_REFUND).count()
    assert refunds == done == OrderEvent.objects.filter(kind=OrderEvent.Kind.CANCELLED).count()
    assert_ledger_ok()
    assert services.orders_autocancel_unaccepted() == 12 - done
    assert Order.objects.filter(pk__in=ids, status=Order.Status.CANCELLED).count() == 12
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.ESCROW_REFUND).count() == 12
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.CANCELLED).count() == 12
    assert_ledger_ok()


def test_o13_six_parallel_checkouts_of_one_cart_item_make_one_order_and_one_hold():
    buyer = person()
    kwork = kwork_of(price_cents=1000, lead_time_days=2)
    item = CartItem.objects.create(user=buyer, kwork=kwork, quantity=1)
    fund(buyer, 6000)
    results = race(*[lambda: services.cart_checkout(buyer=buyer, item_ids=[item.pk]) for _ in range(6)])
    placed = [r for r in results if isinstance(r, list)]
    assert len(placed) == 1 and len(placed[0]) == 1, results
    assert all(isinstance(r, DomainError) for r in results if not isinstance(r, list)), results
    assert Order.objects.filter(buyer=buyer).count() == 1
    assert EscrowHold.objects.filter(buyer=buyer).count() == 1
    assert not CartItem.objects.filter(pk=item.pk).exists()
    assert_ledger_ok()


def test_o13_six_parallel_whole_cart_checkouts_make_one_order_per_item():
    buyer = person()
    kworks = [kwork_of(price_cents=1000, lead_time_days=2) for _ in range(2)]
    for kwork in kworks:
        CartItem.objects.create(user=buyer, kwork=kwork, quantity=1)
    fund(buyer, 12000)
    results = race(*[lambda: services.cart_checkout(buyer=buyer) for _ in range(6)])
    assert sum(isinstance(r, list) for r in results) == 1, results
    assert Order.objects.filter(buyer=buyer).count() == 2
    assert EscrowHold.objects.filter(buyer=buyer).count() == 2
    assert_ledger_ok()


def test_o1_double_click_of_order_now_with_one_form_key_places_one_order():
    buyer = person()
    kwork = kwork_of(price_cents=1000, lead_time_days=2)
    fund(buyer, 6000)
    results = race(
        *[lambda: services.order_place(buyer=buyer, kwork=kwork, idempotency_key="form-key") for _ in range(6)]
    )
    assert all(isinstance(r, Order) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Order.objects.filter(buyer=buyer).count() == 1
    assert EscrowHold.objects.filter(buyer=buyer).count() == 1
    assert_ledger_ok()
