"""P9 with orders: ledger_check also proves no escrow is left open on a finished order, nor resolved on an
open one."""

import pytest
from django.core.management import CommandError, call_command

from orders import ledger_checks
from orders.models import Order
from payments.invariants import ledger_problems


@pytest.mark.django_db
def test_p9_o14_finished_order_with_open_escrow_is_reported():
    from django.utils import timezone

    from tests.orders.factories import delivered

    order = delivered()
    assert ledger_checks.problems() == []
    # Simulate a bug: the order completed but nobody released its escrow.
    Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED, completed_at=timezone.now())
    problems = ledger_problems()
    assert f"order #{order.pk} is completed but its escrow is held" in problems
    with pytest.raises(CommandError):
        call_command("ledger_check")


@pytest.mark.django_db
def test_p9_open_order_with_resolved_escrow_is_reported():
    from payments.services import escrow_refund
    from tests.orders.factories import place

    order = place()
    escrow_refund(hold=order.escrow_hold)  # a bug: money moved behind the order's back
    assert ledger_checks.problems() == [f"order #{order.pk} is new but its escrow is refunded"]
