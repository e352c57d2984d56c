"""O12 hooks the arbitration app will call: the in_arbitration state keeps the money in escrow, and support's
decision resolves it exactly once (all to the seller, full refund, or a split)."""

import pytest

from accounts.roles import SUPPORT
from orders import rules, services
from orders.models import Order
from payments.models import EscrowHold
from tests.factories import in_group
from tests.orders.factories import assert_ledger_ok, delivered, exactly, person, place, started
from tests.support import main_of, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return in_group(person(), SUPPORT)


def disputed(state="in_progress"):
    order = started() if state == "in_progress" else delivered()
    services.order_open_arbitration(order=order, user=order.buyer, description="The logo is not what we agreed.")
    return Order.objects.select_related("escrow_hold").get(pk=order.pk)


@pytest.mark.parametrize("state", ["in_progress", "delivered"])
def test_o12_either_party_opens_arbitration_money_stays_in_escrow(state):
    order = disputed(state)
    assert order.status == Order.Status.IN_ARBITRATION
    assert order.arbitration_opened_at is not None
    assert order.escrow_hold.status == EscrowHold.Status.HELD
    assert order.events.filter(kind="arbitration", actor=order.buyer).exists()
    # Timers leave it alone.
    assert services.orders_autocomplete() == 0 and services.orders_cancel_inactive() == 0


def test_o12_arbitration_refused_for_a_new_order_or_a_stranger():
    order = place()
    before = snapshot(order)
    with pytest.raises(services.DomainError, match=exactly("Work on this order has not started yet.")):
        services.order_open_arbitration(order=order, user=order.buyer, description="x")
    assert snapshot(order) == before
    other, stranger = started(), person()
    before = snapshot(other)
    with pytest.raises(services.DomainError, match="Only the buyer or the seller"):
        services.order_open_arbitration(order=other, user=stranger, description="x")
    assert snapshot(other) == before


def test_o12_decision_for_the_seller_pays_80_20(support):
    order = disputed()
    services.order_arbitration_resolve(order=order, staff_user=support, refund_cents=0, reasoning="Work matches.")
    order = Order.objects.select_related("escrow_hold").get(pk=order.pk)
    assert order.status == Order.Status.COMPLETED
    assert order.escrow_hold.status == EscrowHold.Status.RELEASED
    assert main_of(order.seller) == order.total_cents * 80 // 100
    assert_ledger_ok()


def test_o12_full_refund_cancels_and_counts_against_the_seller(support):
    order = disputed()
    services.order_arbitration_resolve(
        order=order, staff_user=support, refund_cents=order.total_cents, reasoning="Nothing delivered."
    )
    order = Order.objects.select_related("escrow_hold").get(pk=order.pk)
    assert order.status == Order.Status.CANCELLED and order.cancel_reason == rules.ARBITRATION_REFUND
    assert order.counts_against_seller is True
    assert main_of(order.buyer) == order.total_cents
    assert_ledger_ok()


def test_o12_split_refunds_part_and_pays_the_rest(support):
    order = disputed("delivered")
    services.order_arbitration_resolve(order=order, staff_user=support, refund_cents=400, reasoning="Half done.")
    order = Order.objects.select_related("escrow_hold").get(pk=order.pk)
    assert order.status == Order.Status.COMPLETED
    assert order.escrow_hold.status == EscrowHold.Status.SPLIT
    assert main_of(order.buyer) == 400
    assert main_of(order.seller) == (order.total_cents - 400) * 80 // 100
    assert "Split" in order.events.filter(kind="completed").get().reason
    assert_ledger_ok()


def test_o12_only_support_decides_and_only_once(support):
    order = disputed()
    before = snapshot(order)
    with pytest.raises(services.DomainError, match=exactly("Only support staff can decide an arbitration.")):
        services.order_arbitration_resolve(order=order, staff_user=order.buyer, refund_cents=0, reasoning="x")
    with pytest.raises(services.DomainError, match="The refund must be between"):
        services.order_arbitration_resolve(order=order, staff_user=support, refund_cents=-1, reasoning="x")
    assert snapshot(order) == before
    services.order_arbitration_resolve(order=order, staff_user=support, refund_cents=0, reasoning="Fine.")
    with pytest.raises(services.DomainError, match=exactly("This order is already completed.")):
        services.order_arbitration_resolve(order=order, staff_user=support, refund_cents=0, reasoning="Again")
