"""The admin (C7 action through the service, read-only orders) and the wiring of the timers: five Celery tasks,
acks_late with reject_on_worker_lost, each scheduled every minute by beat."""

import re

import pytest
from celery.schedules import crontab
from django.urls import reverse

from config.celery import build_beat_schedule
from orders import rules, tasks
from orders.models import Order
from orders.schedule import BEAT_SCHEDULE
from payments.models import EscrowHold
from tests.orders.factories import person, started
from tests.support import main_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = person()
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def test_c7_admin_action_cancels_with_refund_through_the_service(admin_client):
    order = started()
    response = admin_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "cancel_prohibited", "_selected_action": [order.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 order(s) cancelled and refunded." in response.content.decode()
    order = Order.objects.select_related("escrow_hold").get(pk=order.pk)
    assert order.status == Order.Status.CANCELLED
    assert order.cancel_reason == rules.STAFF_PROHIBITED and order.cancelled_by == "staff"
    assert order.escrow_hold.status == EscrowHold.Status.REFUNDED
    assert main_of(order.buyer) == order.total_cents
    assert order.events.filter(kind="cancelled").get().actor.is_superuser


def test_c7_admin_action_on_a_finished_order_says_why_and_changes_nothing(admin_client):
    order = started()
    admin_client.post(
        reverse("admin:orders_order_changelist"), {"action": "cancel_prohibited", "_selected_action": [order.pk]}
    )
    response = admin_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "cancel_prohibited", "_selected_action": [order.pk]},
        follow=True,
    )
    assert f"Order #{order.pk}: This order has been cancelled." in response.content.decode()
    assert order.events.filter(kind="cancelled").count() == 1


def test_admin_order_page_is_read_only_with_the_timeline(admin_client):
    order = started()
    response = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    # The timeline is there, under a heading in words (no rule id).
    assert re.search(r'id="events-heading" class="inline-heading">\s*Timeline\s', page) and "(O14)" not in page
    assert 'name="status"' not in page
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403


def test_o3_o5_o6_o8_o9_every_sweep_is_a_late_acked_task_scheduled_every_minute():
    names = [
        "orders_autocancel_unaccepted",
        "orders_mark_overdue",
        "orders_autocomplete",
        "orders_cancel_inactive",
        "cancellation_requests_autoconfirm",
    ]
    scheduled = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert scheduled == {f"orders.tasks.{name}" for name in names}
    assert scheduled <= {entry["task"] for entry in build_beat_schedule().values()}
    for entry in BEAT_SCHEDULE.values():
        assert entry["schedule"] == crontab()  # every minute of every hour of every day
    for name in names:
        task = getattr(tasks, name)
        assert task.acks_late is True and task.reject_on_worker_lost is True
        assert task.delay().get() == 0  # nothing due: idempotent no-op
