"""Helpers of the orders tests: funded buyers, Kworks, orders in each state (made through the services)."""

import re

import pytest

from accounts.models import Notification
from orders import services
from orders.models import Order, OrderEvent
from payments import services as payment_services
from payments.invariants import ledger_problems
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from tests.factories import UserFactory, verified
from tests.marketplace.factories import KworkFactory


def fund(user, cents):
    """Credit `cents` to the user's main part (a test-mode top-up through the payments primitive)."""
    return payment_services.balance_fund(user=user, amount_cents=cents)


def person():
    return verified(UserFactory())


def kwork_of(seller=None, **kwargs):
    return KworkFactory(seller=seller or person(), **kwargs)


def main_of(user):
    account = LedgerAccount.objects.filter(owner=user, kind=LedgerAccount.Kind.USER_MAIN).first()
    return account.balance_cents if account else 0


def bonus_of(user):
    account = LedgerAccount.objects.filter(owner=user, kind=LedgerAccount.Kind.USER_BONUS).first()
    return account.balance_cents if account else 0


def platform_cents():
    account = LedgerAccount.objects.filter(owner=None, kind=LedgerAccount.Kind.PLATFORM).first()
    return account.balance_cents if account else 0


def snapshot(order=None):
    """Everything a refusal must leave unchanged: money, history, notifications, and the order's row."""
    state = (
        tuple(LedgerAccount.objects.order_by("pk").values_list("pk", "balance_cents")),
        LedgerEntry.objects.count(),
        LedgerTransaction.objects.count(),
        OrderEvent.objects.count(),
        Notification.objects.count(),
        Order.objects.count(),
    )
    if order is not None:
        row = Order.objects.filter(pk=order.pk).values().get()
        state += (tuple(sorted(row.items())),)
    return state


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
def seller(db):
    return person()


@pytest.fixture
def kwork(seller):
    return kwork_of(seller, price_cents=1000, lead_time_days=4)


def exactly(message):
    """A pytest.raises(match=...) pattern for exactly this message."""
    return "^" + re.escape(message) + "$"
