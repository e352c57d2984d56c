"""The inbox journey in a real browser (M1, M2, M3): a buyer writes to a seller from a Kwork page, the seller
answers with htmx (no reload) and the buyer's thread refreshes by itself; a message with contact details is
refused with its text kept; a new message left unanswered past the deadline blocks the seller's Kworks (the
deadline moved in the database, then the real sweep) and the seller's answer brings them back. Screenshots at
1366 px and 390 px wide."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace import services as marketplace_services
from marketplace.models import Kwork
from messaging import services
from messaging.models import Conversation, Message
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory, verified
from tests.marketplace.factories import KworkFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": 1366, "phone": 390}
QUESTION = "Hello Sergio! Could you make the logo in green and gold, with a small wheat ear?"
ANSWER = "Hello Bella, yes: green and gold work well. Order the Kwork and send me your bakery's name."
FOLLOW_UP = "Wonderful, I will order it today."


def both_widths(page, shot, name):
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, f"{name}-{label}")
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_m1_m2_m3_buyer_writes_from_a_kwork_page_seller_answers_block_and_unblock(new_page, shot):
    seller = verified(UserFactory(username="sergio_design", display_name="Sergio Design"))
    buyer = verified(UserFactory(username="bella_buyer", display_name="Bella Buyer"))
    kwork = KworkFactory(seller=seller, title="I will design a clean, modern logo", price_cents=1000)
    marketplace_services.kwork_search_vectors_update([kwork.pk])  # findable by search on PostgreSQL too

    # M1: "Contact the seller" on the Kwork page.
    bella = new_page()
    login(bella, buyer.username, PASSWORD)
    bella.goto(kwork.get_absolute_url())
    bella.click("[data-testid=contact-seller]")
    bella.fill("textarea[name=text]", QUESTION)
    both_widths(bella, shot, "buyer-writes")
    bella.click("[data-testid=send-message]")
    bella.wait_for_selector(f"text={QUESTION[:30]}")
    conversation = Conversation.objects.get(buyer=buyer, seller=seller)
    assert conversation.answer_due_at is not None

    # The seller sees the unread count and the deadline, and answers without a reload (htmx).
    sergio = new_page()
    login(sergio, seller.username, PASSWORD)
    assert sergio.locator("[data-testid=messages-unread]").inner_text() == "1"
    sergio.goto("/messages/")
    assert "Answer by" in sergio.locator("[data-testid=inbox]").inner_text()
    both_widths(sergio, shot, "seller-inbox")
    sergio.click("[data-testid=conversation-row] a")
    sergio.wait_for_selector("[data-testid=answer-due]")

    # M3: contact details refused, the text kept for editing.
    sergio.fill("#composer textarea[name=text]", "Write me at sergio@example.com")
    sergio.click("[data-testid=send-message]")
    sergio.wait_for_selector("#composer .errorlist")
    assert "contains contact details" in sergio.locator("#composer").inner_text()
    assert sergio.input_value("#composer textarea[name=text]") == "Write me at sergio@example.com"
    both_widths(sergio, shot, "seller-contact-details-refused")

    marker = sergio.evaluate("window.__noReload = 1")  # survives only if the page is not reloaded
    sergio.fill("#composer textarea[name=text]", ANSWER)
    sergio.click("[data-testid=send-message]")
    sergio.wait_for_selector(f"#thread-list >> text={ANSWER[:30]}")
    assert sergio.evaluate("window.__noReload") == 1, marker
    assert sergio.input_value("#composer textarea[name=text]") == ""
    assert sergio.locator("[data-testid=answer-due]").count() == 0  # the deadline notice went with the answer
    conversation.refresh_from_db()
    assert conversation.answer_due_at is None
    both_widths(sergio, shot, "seller-answered")

    # The buyer's open thread picks the answer up by itself (the refresh asks only for newer messages).
    bella.goto(f"/messages/{conversation.pk}/")
    bella.fill("#composer textarea[name=text]", FOLLOW_UP)
    bella.click("[data-testid=send-message]")
    bella.wait_for_selector(f"#thread-list >> text={FOLLOW_UP}")
    assert ANSWER[:30] in bella.locator("#thread-list").inner_text()

    # M2: 21 days later a new message; the deadline passes (moved in the database), the sweep blocks the Kworks.
    later = timezone.now() + timedelta(days=21)
    services.message_send(conversation=conversation, author=buyer, text="Hello again! One more logo?", now=later)
    Conversation.objects.filter(pk=conversation.pk).update(answer_due_at=timezone.now() - timedelta(minutes=1))
    assert services.answer_deadline_sweep() == 1
    assert not Kwork.objects.filter(seller=seller, answer_blocked=False).exists()
    anonymous = new_page()
    anonymous.goto("/search/?q=logo")
    assert kwork.title not in anonymous.content()
    anonymous.goto(kwork.get_absolute_url())
    both_widths(anonymous, shot, "kwork-blocked")
    sergio.goto(f"/messages/{conversation.pk}/")
    sergio.wait_for_selector("[data-testid=answer-blocked]")
    both_widths(sergio, shot, "seller-blocked")

    sergio.fill("#composer textarea[name=text]", "Sorry for the wait, yes of course!")
    sergio.click("[data-testid=send-message]")
    sergio.wait_for_selector("#thread-list >> text=Sorry for the wait")
    assert sergio.locator("[data-testid=answer-blocked]").count() == 0
    assert not Kwork.objects.filter(seller=seller, answer_blocked=True).exists()
    anonymous.goto("/search/?q=logo")
    assert kwork.title in anonymous.content()
    assert Message.objects.filter(conversation=conversation).count() == 5
