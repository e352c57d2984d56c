"""Selectors: someone else's order is a 404; lists cost the same number of queries for 1 and 50 orders."""

import pytest
from django.http import Http404

from orders import selectors, services
from tests.orders.factories import delivered, kwork_of, person, place, started

pytestmark = pytest.mark.django_db


def test_order_of_someone_else_is_a_404():
    order = place()
    assert selectors.order_get_for(user=order.buyer, pk=order.pk) == order
    assert selectors.order_get_for(user=order.seller, pk=order.pk) == order
    with pytest.raises(Http404):
        selectors.order_get_for(user=person(), pk=order.pk)
    with pytest.raises(Http404):
        selectors.order_get_for(user=order.buyer, pk="nope")


def _list_queries(django_assert_num_queries, user, role, expected):
    with django_assert_num_queries(expected):
        rows = list(selectors.orders_for(user=user, role=role, state_filter="all"))
        for order in rows:
            _ = (order.buyer.public_name, order.seller.public_name, order.kwork.title, order.escrow_hold.status)
            _ = [line.amount_cents for line in order.lines.all()]
            _ = order.pending_requests
    return rows


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_orders_list_queries_are_the_same_for_1_and_50(django_assert_num_queries, role):
    buyer, seller = person(), person()
    kwork = kwork_of(seller)
    place(buyer, kwork)
    user = buyer if role == "buyer" else seller
    assert len(_list_queries(django_assert_num_queries, user, role, 3)) == 1
    for _ in range(49):
        place(buyer, kwork)
    assert len(_list_queries(django_assert_num_queries, user, role, 3)) == 50


def test_state_filters_and_action_counts():
    seller = person()
    kwork = kwork_of(seller)
    new = place(kwork=kwork)
    progress = started(kwork=kwork)
    done = delivered(kwork=kwork)
    services.cancellation_request_create(order=progress, user=progress.buyer, reason="buyer_other")
    assert [o.pk for o in selectors.orders_for(user=seller, role="seller", state_filter="new")] == [new.pk]
    assert {o.pk for o in selectors.orders_for(user=seller, role="seller")} == {new.pk, progress.pk, done.pk}
    assert selectors.state_counts(user=seller, role="seller")["delivered"] == 1
    seller_counts = selectors.action_counts(user=seller, role="seller")
    assert seller_counts == {"to_start": 1, "to_deliver": 1, "overdue": 0, "cancellations": 1, "total": 3}
    buyer_counts = selectors.action_counts(user=done.buyer, role="buyer")
    assert buyer_counts == {"requirements": 0, "to_review": 1, "cancellations": 0, "total": 1}
    assert selectors.action_counts(user=new.buyer, role="buyer")["requirements"] == 1


def test_order_actions_per_person_and_state():
    order = place()
    assert selectors.order_actions(order=order, user=order.seller) == {"message", "start", "cancel"}
    assert selectors.order_actions(order=order, user=order.buyer) == {
        "message",
        "requirements",
        "quick_cancel",
        "cancel",
    }
    assert selectors.order_actions(order=order, user=person()) == set()
    done = delivered()
    assert selectors.order_actions(order=done, user=done.buyer) == {"message", "accept", "revision"}
    assert selectors.order_actions(order=done, user=done.seller) == {"message"}


def test_timeline_and_messages_constant_queries(django_assert_num_queries):
    order = started()
    for i in range(20):
        services.order_message_send(order=order, author=order.buyer if i % 2 else order.seller, text=f"msg {i}")
    with django_assert_num_queries(2):
        rows = list(selectors.order_messages(order))
        _ = [(m.author.public_name, list(m.attachments.all())) for m in rows]
    with django_assert_num_queries(1):
        _ = [(e.actor.public_name if e.actor else "") for e in selectors.order_timeline(order)]


def test_chat_and_history_take_the_parties_from_the_order_and_read_anyone_else_once(django_assert_num_queries):
    """The order page's chat and history name the buyer and the seller from the order it read (no users table
    per row); someone else acting on the order (support) is read in one query, and shown as support."""
    from orders.models import OrderEvent

    order = started()
    for i in range(6):
        services.order_message_send(order=order, author=order.buyer if i % 2 else order.seller, text=f"msg {i}")
    agent = person()
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CANCEL_WITHDRAWN, actor=agent)
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CANCEL_WITHDRAWN, actor=None)
    order = selectors.order_get_for(user=order.buyer, pk=order.pk)
    with django_assert_num_queries(2):  # the messages and their files
        chat = selectors.chat_page(order)
        authors = [message.author for message in chat.rows]
    assert {id(author) for author in authors} == {id(order.buyer), id(order.seller)}
    with django_assert_num_queries(2):  # the events, and the one person who is neither party
        events = selectors.timeline_page(order)
        actors = [event.actor for event in events.rows]
    assert actors[-2:] == [agent, None]
    assert {actor.pk for actor in actors[:-2]} <= {order.buyer_id, order.seller_id}
    assert selectors.chat_after(order, after=chat.rows[2].pk)[0].author in (order.buyer, order.seller)
