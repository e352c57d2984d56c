"""The happy path and its money: O1 place and hold, O3/O4 start and due time, O6 deliver and accept (80/20)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from orders import services
from orders.models import Order, OrderEvent
from payments.models import EscrowHold
from tests.orders.factories import assert_ledger_ok, fresh, place
from tests.support import fund, main_of, platform_cents

pytestmark = pytest.mark.django_db
T0 = timezone.datetime(2026, 3, 2, 10, 0, tzinfo=timezone.UTC)


def test_o1_placing_pays_at_once_into_escrow(buyer, kwork):
    fund(buyer, 1500)
    with time_machine.travel(T0, tick=False):
        order = services.order_place(buyer=buyer, kwork=kwork)
    order = fresh(order)
    assert order.status == Order.Status.NEW
    assert order.total_cents == 1000
    assert order.escrow_hold.status == EscrowHold.Status.HELD
    assert order.escrow_hold.amount_cents == 1000
    assert order.escrow_hold.reference == f"order:{order.pk}"
    assert main_of(buyer) == 500
    assert order.accept_by == T0 + timedelta(hours=24)
    assert list(order.events.values_list("kind", flat=True)) == [OrderEvent.Kind.PLACED]
    assert_ledger_ok()


def test_o4_o6_full_life_releases_80_20(buyer, kwork, seller):
    fund(buyer, 1000)
    with time_machine.travel(T0, tick=False):
        order = services.order_place(buyer=buyer, kwork=kwork)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        order = services.order_start(order=order, seller=seller)
    assert order.status == Order.Status.IN_PROGRESS
    assert order.due_at == T0 + timedelta(hours=2, days=4)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        services.order_deliver(order=order, seller=seller, message="Done: logo attached.")
    order = fresh(order)
    assert order.status == Order.Status.DELIVERED
    assert order.review_until == T0 + timedelta(days=4)
    services.order_accept_delivery(order=order, buyer=buyer)
    order = fresh(order)
    assert order.status == Order.Status.COMPLETED
    assert order.escrow_hold.status == EscrowHold.Status.RELEASED
    assert main_of(seller) == 800
    assert platform_cents() == 200
    assert main_of(buyer) == 0
    assert_ledger_ok()


def test_o3_seller_can_start_and_buyer_can_quick_cancel(buyer, kwork):
    order = place(buyer, kwork)
    order = services.order_cancel_quick(order=order, buyer=buyer)
    assert order.status == Order.Status.CANCELLED
    assert main_of(buyer) == 1000
    assert_ledger_ok()


def test_o3_o4_o6_current_deadline_and_time_left_follow_the_state(buyer, kwork, seller):
    fund(buyer, 1000)
    with time_machine.travel(T0, tick=False):
        order = services.order_place(buyer=buyer, kwork=kwork)
        assert order.current_deadline == T0 + timedelta(hours=24)
        assert order.time_left == timedelta(hours=24)
        assert order.buyer_can_quick_cancel
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        order = services.order_start(order=order, seller=seller)
        assert order.current_deadline == order.due_at == T0 + timedelta(hours=1, days=4)
        assert not order.buyer_can_quick_cancel
    with time_machine.travel(order.due_at + timedelta(hours=1), tick=False):
        assert order.is_overdue  # late even before the sweep marks it
        assert order.time_left == timedelta(0)
        services.order_deliver(order=order, seller=seller, message="Late but done")
        order = fresh(order)
        assert not order.is_overdue
        assert order.current_deadline == order.review_until
    services.order_accept_delivery(order=order, buyer=buyer)
    order = fresh(order)
    assert order.current_deadline is None and order.time_left is None
    assert order.party_of(buyer) == "buyer" and order.party_of(seller) == "seller"
