"""orders/demo.py: demo orders in each state, made through the services, and safe to run again; and orders whose
deadlines fall minutes after seeding, so a person watching sees the beat jobs act (issue 13's demo data)."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from orders import services
from orders.demo import TIMER_BRIEF, TIMERS
from orders.models import Order
from payments.invariants import ledger_problems

pytestmark = pytest.mark.django_db


def test_demo_orders_cover_the_states_and_keep_the_ledger_sound():
    call_command("seed_demo", stdout=io.StringIO())
    regular = Order.objects.filter(buyer__username="bella").exclude(requirements__startswith=TIMER_BRIEF)
    states = sorted(regular.values_list("status", flat=True))
    assert states == ["cancelled", "completed", "delivered", "in_progress", "new"]
    assert ledger_problems() == []
    call_command("seed_demo", stdout=io.StringIO())
    assert Order.objects.filter(buyer__username="bella").count() == 5 + len(TIMERS)
    in_progress = regular.get(status="in_progress")
    assert in_progress.due_at is not None and in_progress.messages.count() == 3


def test_demo_timer_orders_run_out_within_minutes_and_the_sweeps_act_on_them():
    call_command("seed_demo", stdout=io.StringIO())
    timed = Order.objects.filter(buyer__username="bella", requirements__startswith=TIMER_BRIEF).order_by("pk")
    assert [o.status for o in timed] == [state for _, state, _, _ in TIMERS]
    latest = max(minutes for _, _, minutes, _ in TIMERS)
    for order in timed:
        left = order.current_deadline - timezone.now()
        assert timedelta(minutes=1) < left <= timedelta(minutes=latest)
    with time_machine.travel(timezone.now() + timedelta(minutes=latest + 1), tick=False):
        assert services.orders_autocancel_unaccepted() == 1
        assert services.orders_mark_overdue() == 1
        assert services.orders_autocomplete() == 1
    assert [o.status for o in timed.all()] == ["cancelled", "in_progress", "completed"]
    assert timed.get(status="in_progress").overdue_at is not None
    assert ledger_problems() == []
