"""O14: every state change is recorded (who, when, from, to) and notifies the other party (A11)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Notification
from orders import services
from orders.models import OrderEvent
from tests.orders.factories import kwork_of, person
from tests.support import fund

pytestmark = pytest.mark.django_db
T0 = timezone.datetime(2026, 3, 2, 10, 0, tzinfo=timezone.UTC)


def test_o14_every_change_is_an_event_with_actor_time_from_and_to_and_notifies_the_other_party():
    buyer, kwork = person(), kwork_of(price_cents=1000, lead_time_days=2)
    seller = kwork.seller
    fund(buyer, 1000)
    steps = [
        (T0, lambda o: services.order_place(buyer=buyer, kwork=kwork), seller),
        (
            T0 + timedelta(minutes=30),
            lambda o: services.order_requirements_send(order=o, buyer=buyer, text="Blue"),
            seller,
        ),
        (T0 + timedelta(hours=1), lambda o: services.order_start(order=o, seller=seller), buyer),
        (T0 + timedelta(hours=5), lambda o: services.order_deliver(order=o, seller=seller, message="v1"), buyer),
        (
            T0 + timedelta(hours=6),
            lambda o: services.order_request_revision(order=o, buyer=buyer, reason="Bluer"),
            seller,
        ),
        (T0 + timedelta(hours=7), lambda o: services.order_deliver(order=o, seller=seller, message="v2"), buyer),
        (T0 + timedelta(hours=8), lambda o: services.order_accept_delivery(order=o, buyer=buyer), seller),
    ]
    order = None
    for when, step, other in steps:
        notes = Notification.objects.filter(user=other).count()
        own = Notification.objects.filter(user=buyer if other == seller else seller).count()
        with time_machine.travel(when, tick=False):
            result = step(order)
        order = order or result
        assert Notification.objects.filter(user=other).count() == notes + 1
        assert Notification.objects.filter(user=buyer if other == seller else seller).count() == own
    events = list(
        OrderEvent.objects.filter(order=order).values_list(
            "kind", "actor", "from_status", "to_status", "created_at"
        )
    )
    assert events == [
        ("placed", buyer.pk, "", "new", T0),
        ("requirements", buyer.pk, "new", "new", T0 + timedelta(minutes=30)),
        ("started", seller.pk, "new", "in_progress", T0 + timedelta(hours=1)),
        ("delivered", seller.pk, "in_progress", "delivered", T0 + timedelta(hours=5)),
        ("revision", buyer.pk, "delivered", "in_progress", T0 + timedelta(hours=6)),
        ("delivered", seller.pk, "in_progress", "delivered", T0 + timedelta(hours=7)),
        ("completed", buyer.pk, "delivered", "completed", T0 + timedelta(hours=8)),
    ]
    assert OrderEvent.objects.get(order=order, kind="revision").reason == "Bluer"


def test_o14_status_field_is_protected_from_direct_writes():
    buyer, kwork = person(), kwork_of()
    fund(buyer, 1000)
    order = services.order_place(buyer=buyer, kwork=kwork)
    with pytest.raises(AttributeError):
        order.status = "completed"
