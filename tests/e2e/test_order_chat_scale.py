"""Issue 14 in a real browser: an order with a long chat shows its latest messages scrolled to the newest;
"Show earlier messages" loads the page before above them (htmx) and keeps the reader's place; the refresh appends
a message the other side sent without reloading the page or repeating what is shown; a delivered image shows
its preview (fetched through the checked download)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import rules, services
from orders.models import OrderMessage
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory, verified
from tests.marketplace.factories import KworkFactory, png_bytes
from tests.support import fund

pytestmark = pytest.mark.django_db(transaction=True)
N = rules.CHAT_PAGE_SIZE


def an_order_with_a_long_chat(count):
    seller = verified(UserFactory(username="sergio_chat", display_name="Sergio Chat"))
    buyer = verified(UserFactory(username="bella_chat", display_name="Bella Chat"))
    kwork = KworkFactory(seller=seller, title="I will design a clean, modern logo", price_cents=1000)
    fund(buyer, 1000)
    order = services.order_place(buyer=buyer, kwork=kwork)
    order = services.order_start(order=order, seller=seller)
    at = timezone.now() - timedelta(hours=2)
    OrderMessage.objects.bulk_create(
        OrderMessage(
            order=order,
            author=buyer if index % 2 else seller,
            text=f"Chat line {index:03d}",
            created_at=at + timedelta(seconds=index),
        )
        for index in range(count)
    )
    return order


def shown(page):
    return page.locator("#chat-messages .chat-message .chat-text").all_inner_texts()


def test_long_chat_earlier_pages_refresh_and_image_preview(new_page, shot, tmp_path):
    order = an_order_with_a_long_chat(N + 12)
    bella = new_page()
    bella.clock.install()
    login(bella, order.buyer.username, PASSWORD)
    bella.goto(f"/orders/{order.pk}/")
    assert shown(bella) == [f"Chat line {i:03d}" for i in range(12, N + 12)]
    at_bottom = (
        "(b => b.scrollHeight - b.scrollTop - b.clientHeight < 5)(document.getElementById('chat-messages'))"
    )
    assert bella.evaluate(at_bottom)
    shot(bella, "latest-messages")

    # Earlier messages go in above, in order, and the control disappears at the first message.
    bella.locator("#chat-messages").evaluate("b => b.scrollTop = 0")
    bella.click("[data-testid=chat-earlier]")
    bella.wait_for_selector("#chat-messages .chat-text:has-text('Chat line 000')")
    assert shown(bella) == [f"Chat line {i:03d}" for i in range(N + 12)]
    assert bella.locator("[data-testid=chat-earlier]").count() == 0
    assert not bella.evaluate(at_bottom)  # the reader stays where they were reading
    shot(bella, "earlier-messages-loaded")

    # The seller writes and delivers an image; the buyer's open page refreshes by itself.
    services.order_message_send(order=order, author=order.seller, text="A new line from the seller", files=[])
    bella.clock.fast_forward(rules.CHAT_REFRESH_SECONDS * 1000)
    bella.wait_for_selector("#chat-messages .chat-text:has-text('A new line from the seller')")
    texts = shown(bella)
    assert texts[-1] == "A new line from the seller" and len(texts) == len(set(texts)) == N + 13

    from django.core.files.uploadedfile import SimpleUploadedFile

    services.order_deliver(
        order=order,
        seller=order.seller,
        message="The logo, first version.",
        files=[SimpleUploadedFile("logo.png", png_bytes(size=(320, 200)), content_type="image/png")],
    )
    bella.clock.fast_forward(rules.CHAT_REFRESH_SECONDS * 1000)  # the order changed: the page reloads itself
    bella.wait_for_selector("[data-testid=delivery-preview]")
    loaded = bella.locator("[data-testid=delivery-preview]").evaluate("img => img.complete && img.naturalWidth")
    assert loaded == 320
    bella.locator("[data-testid=deliveries]").scroll_into_view_if_needed()
    shot(bella, "delivery-with-preview")
