"""orders/demo.py: demo orders in each state, made through the services, and safe to run again."""

import io

import pytest
from django.core.management import call_command

from orders.models import Order
from payments.invariants import ledger_problems

pytestmark = pytest.mark.django_db


def test_demo_orders_cover_the_states_and_keep_the_ledger_sound():
    call_command("seed_demo", stdout=io.StringIO())
    states = sorted(Order.objects.filter(buyer__username="bella").values_list("status", flat=True))
    assert states == ["cancelled", "completed", "delivered", "in_progress", "new"]
    assert ledger_problems() == []
    call_command("seed_demo", stdout=io.StringIO())
    assert Order.objects.filter(buyer__username="bella").count() == 5
    in_progress = Order.objects.get(buyer__username="bella", status="in_progress")
    assert in_progress.due_at is not None and in_progress.messages.count() == 3
