"""Helpers of the orders tests: people, Kworks, orders in each state (made through the services). Money in,
balances and snapshots are tests/support.py's."""

import re

import pytest

from orders import services
from orders.models import Order
from payments.invariants import ledger_problems
from tests.factories import UserFactory, verified
from tests.marketplace.factories import KworkFactory
from tests.support import fund


def person():
    return verified(UserFactory())


def kwork_of(seller=None, **kwargs):
    return KworkFactory(seller=seller or person(), **kwargs)


def place(buyer=None, kwork=None, *, fund_cents=None, **kwargs):
    """A paid new order (the buyer is funded with exactly its price unless fund_cents says otherwise)."""
    buyer = buyer or person()
    kwork = kwork or kwork_of()
    if fund_cents is None:
        from marketplace.pricing import price_quote

        fund_cents = price_quote(kwork=kwork, **kwargs).total_cents
    if fund_cents:
        fund(buyer, fund_cents)
    return services.order_place(buyer=buyer, kwork=kwork, **kwargs)


def started(**kwargs):
    order = place(**kwargs)
    return services.order_start(order=order, seller=order.seller)


def delivered(**kwargs):
    order = started(**kwargs)
    services.order_deliver(order=order, seller=order.seller, message="Here is the finished logo.")
    return Order.objects.get(pk=order.pk)


def fresh(order):
    return Order.objects.select_related("escrow_hold").get(pk=order.pk)


def assert_ledger_ok():
    problems = ledger_problems()
    assert problems == [], problems


@pytest.fixture
def buyer(db):
    return person()


@pytest.fixture
def kwork(seller):
    return kwork_of(seller, price_cents=1000, lead_time_days=4)


def exactly(message):
    """A pytest.raises(match=...) pattern for exactly this message."""
    return "^" + re.escape(message) + "$"
