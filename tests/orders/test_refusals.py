"""Every action by the wrong person or in the wrong state is refused with its message, and nothing changes:
no money moves, no history or notification is written, the order's row is as it was."""

import pytest

from orders import services
from orders.models import Delivery, Order
from tests.orders.factories import delivered, person, place, started
from tests.support import snapshot

pytestmark = pytest.mark.django_db


def build(state):
    if state == "new":
        return place()
    if state == "in_progress":
        return started()
    order = delivered()
    if state == "completed":
        services.order_accept_delivery(order=order, buyer=order.buyer)
    if state == "cancelled":
        order = started()
        services.cancellation_request_create(order=order, user=order.seller, reason="seller_busy")
    return Order.objects.get(pk=order.pk)


ACTIONS = {
    "start": lambda o, u: services.order_start(order=o, seller=u),
    "deliver": lambda o, u: services.order_deliver(order=o, seller=u, message="Result"),
    "accept": lambda o, u: services.order_accept_delivery(order=o, buyer=u),
    "revision": lambda o, u: services.order_request_revision(order=o, buyer=u, reason="Change colours"),
    "requirements": lambda o, u: services.order_requirements_send(order=o, buyer=u, text="Logo for a bakery"),
}
WHO = {"start": "seller", "deliver": "seller", "accept": "buyer", "revision": "buyer", "requirements": "buyer"}
ALLOWED = {
    "start": {"new"},
    "deliver": {"in_progress"},
    "accept": {"delivered"},
    "revision": {"delivered"},
    "requirements": {"new", "in_progress"},
}
WRONG_PERSON = {
    "start": "Only the seller can start work on this order.",
    "deliver": "Only the seller can deliver this order.",
    "accept": "Only the buyer can accept the work.",
    "revision": "Only the buyer can ask for a revision.",
    "requirements": "Only the buyer can send the requirements.",
}
STATE_MESSAGES = {
    "new": "Work on this order has not started yet.",
    "in_progress": "This order is already in progress.",
    "delivered": "The work on this order has already been delivered.",
    "completed": "This order is already completed.",
    "cancelled": "This order has been cancelled.",
}


def refused(call, message, order):
    before = snapshot(order)
    deliveries = Delivery.objects.count()
    with pytest.raises(services.DomainError) as exc:
        call()
    assert str(exc.value) == message
    assert snapshot(order) == before
    assert Delivery.objects.count() == deliveries


@pytest.mark.parametrize("action", list(ACTIONS))
def test_o14_action_by_the_wrong_person_is_refused(action):
    state = sorted(ALLOWED[action])[0]
    order = build(state)
    wrong = [order.buyer if WHO[action] == "seller" else order.seller, person()]
    for user in wrong:
        refused(lambda u=user: ACTIONS[action](order, u), WRONG_PERSON[action], order)


@pytest.mark.parametrize(
    ("action", "state"), [(a, s) for a in ACTIONS for s in STATE_MESSAGES if s not in ALLOWED[a]]
)
def test_o14_action_in_the_wrong_state_is_refused(action, state):
    order = build(state)
    user = order.seller if WHO[action] == "seller" else order.buyer
    refused(lambda: ACTIONS[action](order, user), STATE_MESSAGES[state], order)


def test_o6_delivery_needs_a_message():
    order = started()
    refused(
        lambda: services.order_deliver(order=order, seller=order.seller, message="   "),
        "Please describe the result you deliver.",
        order,
    )


def test_o7_revision_needs_reasons():
    order = delivered()
    refused(
        lambda: services.order_request_revision(order=order, buyer=order.buyer, reason=""),
        "Please say what should be changed.",
        order,
    )


def test_o1_requirements_need_text():
    order = place()
    refused(
        lambda: services.order_requirements_send(order=order, buyer=order.buyer, text=" "),
        "Please write what the seller needs to know.",
        order,
    )


def test_m3_requirements_with_contacts_refused_before_start():
    order = place()
    before = snapshot(order)
    with pytest.raises(services.DomainError, match="contains contact details"):
        services.order_requirements_send(order=order, buyer=order.buyer, text="Mail me at joe@example.com")
    assert snapshot(order) == before
