"""O12/T6 pages: the order page's "Help with this order → Arbitration", the answer and proposal forms, evidence
downloads, support's queue and case file (query counts fixed for small and large), taking and deciding."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import SUPPORT
from arbitration import disputes
from arbitration.models import Dispute, DisputeFile, Outcome
from orders import services as order_services
from orders.models import Order
from tests.arbitration.test_disputes import PNG, opened, png
from tests.factories import in_group
from tests.orders.factories import fresh, person, started
from tests.support import main_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return in_group(person(), SUPPORT)


def as_user(client, user):
    client.force_login(user)
    return client


def test_o12_buyer_opens_from_the_order_page_seller_answers_and_proposes(client):
    order = started()
    page = as_user(client, order.buyer).get(order.get_absolute_url())
    assert reverse("disputes:open", args=[order.pk]).encode() in page.content
    response = client.post(
        reverse("disputes:open", args=[order.pk]),
        {"description": "Nothing usable.", "outcome": Outcome.SPLIT, "refund": "3.00", "files": [png()]},
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert dispute.asked_refund_cents == 300 and DisputeFile.objects.count() == 1
    page = client.get(order.get_absolute_url())
    assert b'data-testid="order-dispute"' in page.content and b"Nothing usable." in page.content
    assert b"O12" not in page.content

    as_user(client, order.seller)
    client.post(
        reverse("disputes:answer", args=[dispute.pk]), {"text": "It was delivered.", "files": [png("b.png")]}
    )
    assert dispute.statements.count() == 2
    client.post(reverse("disputes:propose", args=[dispute.pk]), {"refund": "3.00"})
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.SETTLED and main_of(order.buyer) == 300
    page = client.get(order.get_absolute_url())
    assert b'data-testid="dispute-outcome"' in page.content and b"$3.00" in page.content


def test_o12_open_form_refusal_shows_the_message_and_changes_nothing(client):
    order = started()
    response = as_user(client, order.buyer).post(
        reverse("disputes:open", args=[order.pk]), {"description": "x", "outcome": Outcome.SPLIT, "refund": "0"}
    )
    assert (
        response.status_code == 400
        and b"For a split, the buyer&#x27;s refund must be more than" in response.content
    )
    assert not Dispute.objects.exists() and fresh(order).status == Order.Status.IN_PROGRESS
    assert as_user(client, person()).get(reverse("disputes:open", args=[order.pk])).status_code == 404


def test_o12_evidence_only_for_the_parties_and_support(client, support):
    dispute = opened(files=[png()])
    url = DisputeFile.objects.get().file.url
    assert as_user(client, dispute.order.seller).get(url).status_code == 200
    response = as_user(client, support).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert as_user(client, person()).get(url).status_code == 404


def test_t6_queue_and_case_refuse_everyone_but_support(client):
    dispute = opened()
    for user in (dispute.order.buyer, dispute.order.seller, person()):
        as_user(client, user)
        assert client.get(reverse("backoffice:disputes")).status_code == 403
        assert client.get(reverse("backoffice:dispute_case", args=[dispute.pk])).status_code == 403
        assert client.post(reverse("backoffice:dispute_take", args=[dispute.pk])).status_code == 403
    assert Dispute.objects.get().assigned_to is None


def _queries(client, url):
    client.get(url)  # warm: the session and per-process caches are read once
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_o12_queue_query_count_is_the_same_for_1_and_50(client, support):
    as_user(client, support)
    opened()
    small = _queries(client, reverse("backoffice:disputes"))
    for _ in range(49):
        opened()
    page = client.get(reverse("backoffice:disputes"))
    assert page.content.count(b"/backoffice/disputes/") >= 25
    assert _queries(client, reverse("backoffice:disputes")) == small


def test_o12_case_file_query_count_is_the_same_for_1_and_200_messages(client, support):
    as_user(client, support)
    dispute = opened(files=[png()])
    order = dispute.order
    order_services.order_message_send(order=order, author=order.buyer, text="First message")
    url = reverse("backoffice:dispute_case", args=[dispute.pk])
    small = _queries(client, url)
    from orders.models import OrderMessage

    OrderMessage.objects.bulk_create(
        OrderMessage(order=order, author=order.seller, text=f"Message {i}") for i in range(199)
    )
    page = client.get(url)
    assert b"Message 198" in page.content and b"The Kwork as ordered" in page.content
    assert order.kwork_snapshot["title"].encode() in page.content
    assert _queries(client, url) == small


def test_t6_o12_support_takes_and_decides_a_split_from_the_case_page(client, support):
    dispute = opened()
    order = dispute.order
    as_user(client, support)
    client.post(reverse("backoffice:dispute_take", args=[dispute.pk]))
    # The split must add up: refused with its message, nothing changed.
    response = client.post(
        reverse("backoffice:dispute_decide", args=[dispute.pk]),
        {"outcome": Outcome.SPLIT, "refund": "1.00", "seller_part": "1.00", "reasoning": "Half."},
        follow=True,
    )
    assert b"they must add up to the" in response.content
    assert Dispute.objects.get().is_open
    total = order.total_cents
    client.post(
        reverse("backoffice:dispute_decide", args=[dispute.pk]),
        {
            "outcome": Outcome.SPLIT,
            "refund": f"{200 / 100:.2f}",
            "seller_part": f"{(total - 200) / 100:.2f}",
            "reasoning": "Half of it was usable.",
        },
    )
    dispute = Dispute.objects.get()
    assert dispute.status == Dispute.Status.DECIDED and dispute.refund_cents == 200
    as_user(client, order.buyer)
    page = client.get(order.get_absolute_url())
    assert b"Half of it was usable." in page.content and b"Decided by support" in page.content


def test_t6_a_second_agent_cannot_take_or_decide(client, support):
    dispute = opened()
    disputes.dispute_take(dispute=dispute, staff_user=support)
    other = in_group(person(), SUPPORT)
    as_user(client, other)
    response = client.post(reverse("backoffice:dispute_take", args=[dispute.pk]), follow=True)
    assert b"Another agent has taken this case." in response.content
    response = client.post(
        reverse("backoffice:dispute_decide", args=[dispute.pk]),
        {"outcome": Outcome.SELLER, "reasoning": "Mine now."},
        follow=True,
    )
    assert b"Another agent has taken this case." in response.content
    assert Dispute.objects.get().is_open and Dispute.objects.get().assigned_to == support


def test_o12_demo_leaves_one_open_dispute_waiting_for_support():
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    dispute = Dispute.objects.get()
    assert dispute.is_open and dispute.assigned_to is None and dispute.order.status == Order.Status.IN_ARBITRATION
