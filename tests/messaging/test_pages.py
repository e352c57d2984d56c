"""The inbox pages for every role (owner buyer, other party, stranger, moderator, support, anonymous), htmx sending
and refresh, the header count, and query counts equal for 1 and 50 conversations and messages (M1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.models import Kwork
from messaging import rules, services
from messaging.models import Conversation, Message
from tests.factories import in_group
from tests.marketplace.factories import KworkFactory

from .helpers import person, seller_with_kwork, start

pytestmark = pytest.mark.django_db


def roles(conversation):
    return {
        "buyer": conversation.buyer,
        "seller": conversation.seller,
        "stranger": person(),
        "moderator": in_group(person(), "Moderators"),
        "support": in_group(person(), "Support"),
    }


@pytest.mark.parametrize("role", ["buyer", "seller", "stranger", "moderator", "support", "anonymous"])
def test_m1_conversation_pages_for_every_role(client, role):
    conversation = start()
    people = roles(conversation)
    if role != "anonymous":
        client.force_login(people[role])
    party = role in ("buyer", "seller")
    pk = conversation.pk
    thread = client.get(reverse("messaging:conversation", args=[pk]))
    refresh = client.get(reverse("messaging:refresh", args=[pk]) + "?after=0", HTTP_HX_REQUEST="true")
    send = client.post(reverse("messaging:send", args=[pk]), {"text": "hi"}, HTTP_HX_REQUEST="true")
    inbox = client.get(reverse("messaging:inbox"))
    if role == "anonymous":
        for response in (thread, refresh, send, inbox):
            assert response.status_code == 302 and "/login/" in response.url
        return
    assert inbox.status_code == 200
    if party:
        assert thread.status_code == 200 and refresh.status_code == 200 and send.status_code == 200
        assert "Hello, can you do this in two days?" in thread.content.decode()
        assert len(inbox.context["page"].object_list) == 1
    else:
        assert (thread.status_code, refresh.status_code, send.status_code) == (404, 404, 404)
        assert len(inbox.context["page"].object_list) == 0
    assert Message.objects.count() == (2 if party else 1)


@pytest.mark.parametrize("role", ["buyer", "seller", "stranger", "moderator", "support", "anonymous"])
def test_t2_the_back_office_spam_page_is_for_support_only(client, role):
    conversation = start()
    people = roles(conversation)
    if role != "anonymous":
        client.force_login(people[role])
    page = client.get(reverse("messaging:staff_messages"))
    mark = client.post(reverse("messaging:staff_spam", args=[conversation.awaiting_message_id]))
    message = Message.objects.get()
    if role == "support":
        assert page.status_code == 200 and "Mark as spam" in page.content.decode()
        assert mark.status_code == 302 and message.is_spam
    elif role == "anonymous":
        assert page.status_code == 302 and mark.status_code == 302 and not message.is_spam
    else:
        assert (page.status_code, mark.status_code) == (403, 403) and not message.is_spam


def test_m1_start_page_for_every_case(client):
    buyer, seller = person(), seller_with_kwork()
    url = reverse("messaging:start", args=[seller.username])
    assert client.get(url).status_code == 302  # log in first
    client.force_login(buyer)
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "Hello, a question"})
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "messaging:conversation", args=[conversation.pk]
    )
    assert client.get(url).url == response.url  # an open conversation: straight to it
    client.force_login(seller)  # the seller to a buyer who sells nothing
    refused = client.get(reverse("messaging:start", args=[buyer.username]))
    assert refused.status_code == 403 and services.SELLER_FIRST in refused.content.decode()
    assert client.post(reverse("messaging:start", args=[buyer.username]), {"text": "hi"}).status_code == 400
    assert Conversation.objects.count() == 1


def test_m1_contact_the_seller_button_on_kwork_pages_and_profiles(client):
    seller = seller_with_kwork()
    kwork = Kwork.objects.get(seller=seller)
    buyer = person()
    client.force_login(buyer)
    start_url = reverse("messaging:start", args=[seller.username])
    assert start_url in client.get(kwork.get_absolute_url()).content.decode()
    assert start_url in client.get(reverse("accounts:profile", args=[seller.username])).content.decode()
    client.force_login(seller)  # never on one's own pages
    assert start_url not in client.get(kwork.get_absolute_url()).content.decode()
    client.force_login(seller)
    nobody = person()
    assert (
        reverse("messaging:start", args=[nobody.username])
        not in client.get(reverse("accounts:profile", args=[nobody.username])).content.decode()
    )


def test_m1_htmx_send_appends_after_the_last_id_and_refresh_asks_only_for_newer(client):
    conversation = start()
    first = conversation.messages.get()
    client.force_login(conversation.seller)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert f"?after={first.pk}" in page.content.decode()
    conversation.refresh_from_db()
    assert conversation.seller_unread == 0  # opening the thread reads it
    response = client.post(
        reverse("messaging:send", args=[conversation.pk]),
        {"text": "Sure, send details", "after": str(first.pk)},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert 'hx-swap-oob="beforeend:#thread-list"' in body and "Sure, send details" in body
    assert "Hello, can you do this" not in body  # only what came after the page's last message
    reply = conversation.messages.latest("id")
    assert f"?after={reply.pk}" in body
    services.message_send(conversation=conversation, author=conversation.buyer, text="Here they are")
    refresh = client.get(
        reverse("messaging:refresh", args=[conversation.pk]) + f"?after={reply.pk}", HTTP_HX_REQUEST="true"
    )
    assert "Here they are" in refresh.content.decode() and "Sure, send details" not in refresh.content.decode()
    conversation.refresh_from_db()
    assert conversation.seller_unread == 0
    assert client.get(reverse("messaging:refresh", args=[conversation.pk])).status_code == 302  # no htmx


def test_a11_header_unread_count(client):
    conversation = start()
    services.message_send(conversation=conversation, author=conversation.buyer, text="Second")
    client.force_login(conversation.seller)
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert 'data-testid="messages-unread">2<' in page
    badge = client.get(reverse("messaging:unread")).content.decode()
    assert 'data-testid="messages-unread">2<' in badge
    client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert "messages-unread" not in client.get(reverse("messaging:unread")).content.decode()


def test_m1_the_conversation_links_the_orders_between_the_two(client):
    from tests.orders.factories import place

    conversation = start()
    order = place(buyer=conversation.buyer, kwork=Kwork.objects.get(seller=conversation.seller))
    client.force_login(conversation.buyer)
    body = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert reverse("orders:detail", args=[order.pk]) in body


def _queries(client, url, **headers):
    client.get(url, **headers)  # the first request of a session touches last-seen and the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_m1_inbox_queries_equal_for_1_and_50_conversations(client):
    buyer = person()
    counts = []
    for n in (1, 50):
        while Conversation.objects.filter(buyer=buyer).count() < n:
            start(buyer=buyer)
        client.force_login(buyer)
        counts.append(_queries(client, reverse("messaging:inbox")))
    assert counts[0] == counts[1], counts


def test_m1_thread_and_refresh_queries_equal_for_1_and_50_messages(client):
    conversation = start()
    client.force_login(conversation.buyer)
    counts, refreshes = [], []
    for n in (1, 50):
        while conversation.messages.count() < n:
            author = conversation.seller if conversation.messages.count() % 2 else conversation.buyer
            services.message_send(conversation=conversation, author=author, text="Another message")
        counts.append(_queries(client, reverse("messaging:conversation", args=[conversation.pk])))
        url = reverse("messaging:refresh", args=[conversation.pk]) + "?after=0"  # 1, then 50 new messages
        refreshes.append(_queries(client, url, HTTP_HX_REQUEST="true"))
    assert counts[0] == counts[1], counts
    assert refreshes[0] == refreshes[1], refreshes


def test_m1_a_long_thread_shows_the_latest_page_and_earlier_ones_on_demand(client):
    conversation = start()
    for i in range(rules.THREAD_PAGE_SIZE + 5):
        author = conversation.seller if i % 2 == 0 else conversation.buyer
        services.message_send(conversation=conversation, author=author, text=f"Message number {i}")
    client.force_login(conversation.buyer)
    response = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert len(response.context["thread"]) == rules.THREAD_PAGE_SIZE and response.context["has_earlier"]
    earliest = response.context["earliest_id"]
    earlier = client.get(
        reverse("messaging:conversation", args=[conversation.pk]) + f"?before={earliest}", HTTP_HX_REQUEST="true"
    )
    assert "Hello, can you do this" in earlier.content.decode()


def test_m1_inbox_marks_conversations_waiting_for_the_sellers_answer(client):
    conversation = start()
    KworkFactory(seller=conversation.buyer)
    client.force_login(conversation.seller)
    assert "Answer by" in client.get(reverse("messaging:inbox")).content.decode()


def test_t4_sending_is_rate_limited_with_a_clear_message(client):
    conversation = start()
    client.force_login(conversation.buyer)
    url = reverse("messaging:send", args=[conversation.pk])
    limit = int(rules.RATE_SEND.split("/")[0])
    statuses = [client.post(url, {"text": f"message {i}"}).status_code for i in range(limit + 1)]
    assert statuses[-1] == 429 and set(statuses[:-1]) <= {302}
    assert conversation.messages.count() <= limit + 1


def test_demo_conversations(db):
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    nina = Conversation.objects.get(buyer__username="bella", seller__username="nina")
    assert nina.answer_due_at is not None
    sergio = Conversation.objects.get(buyer__username="bella", seller__username="sergio")
    assert sergio.answer_due_at is None and sergio.messages.count() >= 3  # later apps' demos may add messages
    before = Message.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Message.objects.count() == before


def test_m1_inbox_pages_merge_both_sides_latest_first():
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from messaging import selectors

    user = seller_with_kwork()
    t0 = timezone.now()
    made = []
    for i in range(rules.INBOX_PAGE_SIZE + 7):
        with time_machine.travel(t0 + timedelta(minutes=i), tick=False):
            if i % 3 == 0:  # the user as a buyer
                made.append(start(buyer=user).pk)
            else:  # the user as the seller
                made.append(start(seller=user).pk)
    first = selectors.inbox_page(user=user, page=1)
    second = selectors.inbox_page(user=user, page=2)
    assert first.paginator.count == len(made)
    shown = [c.pk for c in first.object_list] + [c.pk for c in second.object_list]
    assert shown == list(reversed(made))
