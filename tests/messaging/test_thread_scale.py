"""Issue 14 for the inbox threads: a conversation page draws the latest THREAD_PAGE_SIZE messages whatever the
thread's length (same queries, bounded bytes), earlier pages come on request, and the refresh with nothing new is
an empty 204 decided from the conversation row the access check reads (no rendering, no query of the messages)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from messaging import rules
from messaging.models import Conversation, Message
from tests.factories import in_group

from .helpers import person, start

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
N = rules.THREAD_PAGE_SIZE


def add_messages(conversation, count):
    """`count` messages in one insert, alternating authors; the conversation's last message follows, as
    messaging.services.message_send keeps it."""
    first = conversation.messages.count()
    at = timezone.now()
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            author_id=conversation.buyer_id if index % 2 else conversation.seller_id,
            text=f"Thread message {index:05d}",
            created_at=at + timedelta(seconds=index),
        )
        for index in range(first, first + count)
    )
    last = conversation.messages.order_by("-id").first()
    Conversation.objects.filter(pk=conversation.pk).update(last_message=last, last_message_at=last.created_at)
    conversation.refresh_from_db()


def ids(conversation):
    return list(conversation.messages.order_by("id").values_list("id", flat=True))


def thread_url(conversation):
    return reverse("messaging:conversation", args=[conversation.pk])


def refresh_url(conversation):
    return reverse("messaging:refresh", args=[conversation.pk])


def measured(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.content)


def test_a_thread_of_10_and_of_2000_messages_has_the_same_queries_and_a_bounded_size(client):
    conversation = start()
    client.force_login(conversation.buyer)
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        add_messages(conversation, 9)
        client.get(thread_url(conversation))  # the session's first request also records the visit
        ten = measured(client, thread_url(conversation))
        add_messages(conversation, N - 10)
        full = measured(client, thread_url(conversation))
        add_messages(conversation, 2000 - N)
        many = measured(client, thread_url(conversation))
    assert conversation.messages.count() == 2000
    assert ten[0] == full[0] == many[0]
    per_message = (full[1] - ten[1]) / (N - 10)
    assert 150 < per_message < 1_500, per_message
    assert many[1] - full[1] < 600, (full, many)  # the "earlier" link and longer ids, nothing per message


def test_the_refresh_with_nothing_new_is_an_empty_204_without_reading_messages(client):
    conversation = start()
    add_messages(conversation, 2000)
    client.force_login(conversation.seller)
    client.get(thread_url(conversation))
    last = ids(conversation)[-1]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(refresh_url(conversation), {"after": last}, **HTMX)
    assert response.status_code == 204 and response.content == b"" and response.templates == []
    inbox_queries = [q["sql"] for q in ctx.captured_queries if "messaging_" in q["sql"]]
    assert len(inbox_queries) == 1 and "messaging_message" not in inbox_queries[0], inbox_queries


def test_the_refresh_after_an_older_id_brings_only_the_newer_messages(client):
    conversation = start()
    add_messages(conversation, 60)
    all_ids = ids(conversation)
    client.force_login(conversation.buyer)
    body = client.get(refresh_url(conversation), {"after": all_ids[-4]}, **HTMX).content.decode()
    assert body.count('id="message-') == 3
    assert f'id="message-{all_ids[-4]}"' not in body and f'id="message-{all_ids[-1]}"' in body
    assert f"?after={all_ids[-1]}" in body


@pytest.mark.parametrize("value", ["", "abc", "-1", "2.5", "²", "99999999999999999999999"])
def test_a_malformed_after_id_is_a_400_never_a_500(client, value):
    conversation = start()
    client.force_login(conversation.buyer)
    assert client.get(refresh_url(conversation), {"after": value}, **HTMX).status_code == 400


@pytest.mark.parametrize("count, has_link", [(N - 1, False), (N, True), (N + 1, True)])
def test_the_earlier_link_appears_only_when_earlier_messages_exist(client, count, has_link):
    conversation = start()  # its first message plus `count`
    add_messages(conversation, count)
    client.force_login(conversation.buyer)
    content = client.get(thread_url(conversation)).content.decode()
    assert ('id="thread-earlier"' in content) is has_link
    assert content.count('id="message-') == min(count + 1, N)


def test_earlier_pages_with_htmx_reach_the_first_message_then_stop(client):
    conversation = start()
    add_messages(conversation, 2 * N + 4)
    all_ids = ids(conversation)
    client.force_login(conversation.seller)
    second = client.get(thread_url(conversation), {"before": all_ids[-N]}, **HTMX).content.decode()
    assert second.count('id="message-') == N and f"?before={all_ids[5]}" in second
    last = client.get(thread_url(conversation), {"before": all_ids[5]}, **HTMX).content.decode()
    assert last.count('id="message-') == 5 and 'id="thread-earlier"' not in last


def _stranger(conversation):
    return person()


def _other_party(conversation):
    return start(seller=conversation.seller).buyer  # writes to the same seller, in their own conversation


def _moderator(conversation):
    return in_group(person(), "Moderators")


def _support(conversation):
    return in_group(person(), "Support")


@pytest.mark.parametrize("who", [_stranger, _other_party, _moderator, _support])
def test_every_thread_endpoint_is_a_404_for_anyone_but_the_two(client, who):
    conversation = start()
    add_messages(conversation, 5)
    first = ids(conversation)[0]
    client.force_login(who(conversation))
    for url, params in (
        (thread_url(conversation), {}),
        (thread_url(conversation), {"before": first}),
        (refresh_url(conversation), {"after": 0}),
        (refresh_url(conversation), {"after": ids(conversation)[-1]}),  # never a 204 that says "nothing new"
    ):
        response = client.get(url, params, **HTMX)
        assert response.status_code == 404, (url, params, response.status_code)
        assert b"Thread message" not in response.content
