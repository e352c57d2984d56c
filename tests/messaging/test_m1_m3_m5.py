"""M1 (who may start and write), M3 (contact details refused, the text kept), M5 (attachments per C6), A11."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.rules import NotificationKind
from common.errors import DomainError
from marketplace.models import Kwork
from messaging import rules, services
from messaging.models import Conversation, Message, MessageAttachment
from tests.marketplace.factories import KworkFactory, png_upload

from .helpers import person, seller_with_kwork, snapshot, start

pytestmark = pytest.mark.django_db
CONTACTS = ["call me on +1 415 555 0100", "write to joe@example.com", "telegram: @joe_design", "see www.joe.io"]


def test_m1_a_buyer_starts_a_conversation_with_a_seller_who_has_an_active_kwork():
    buyer, seller = person(), seller_with_kwork()
    message = services.conversation_start(buyer=buyer, seller=seller, text="Hi, a question about your Kwork")
    conversation = message.conversation
    assert (conversation.buyer, conversation.seller) == (buyer, seller)
    assert conversation.seller_unread == 1 and conversation.buyer_unread == 0
    again = services.conversation_start(buyer=buyer, seller=seller, text="One more thing")
    assert again.conversation_id == conversation.pk  # one conversation per pair
    assert Conversation.objects.count() == 1


def test_m1_refused_with_a_seller_without_an_active_kwork_and_nothing_changes():
    buyer, seller = person(), person()
    KworkFactory(seller=seller, status=Kwork.Status.PAUSED)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.conversation_start(buyer=buyer, seller=seller, text="Hello")
    assert exc.value.message == services.NO_ACTIVE_KWORK
    assert snapshot() == before


def test_m1_a_seller_cannot_write_first_and_nothing_changes():
    seller, buyer = seller_with_kwork(), person()  # the buyer sells nothing
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.conversation_start(buyer=seller, seller=buyer, text="Hello, need a logo?")
    assert exc.value.message == services.SELLER_FIRST
    assert snapshot() == before


def test_m1_a_seller_cannot_write_first_in_an_empty_conversation():
    buyer, seller = person(), seller_with_kwork()
    conversation = Conversation.objects.create(buyer=buyer, seller=seller)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.message_send(conversation=conversation, author=seller, text="Hello")
    assert exc.value.message == services.SELLER_FIRST
    assert snapshot() == before


def test_m1_nobody_else_writes_in_a_conversation_and_nobody_writes_to_themselves():
    conversation = start()
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.message_send(conversation=conversation, author=person(), text="Hi")
    assert exc.value.message == "Only the two people of this conversation can write here."
    seller = conversation.seller
    with pytest.raises(DomainError) as exc:
        services.conversation_start(buyer=seller, seller=seller, text="Hi")
    assert exc.value.message == "You cannot write to yourself."
    assert snapshot() == before


def test_m1_the_seller_answers_and_the_buyer_writes_back():
    conversation = start()
    services.message_send(conversation=conversation, author=conversation.seller, text="Sure, happy to help")
    services.message_send(conversation=conversation, author=conversation.buyer, text="Great")
    assert list(conversation.messages.values_list("author_id", flat=True)) == [
        conversation.buyer_id,
        conversation.seller_id,
        conversation.buyer_id,
    ]


@pytest.mark.parametrize("text", CONTACTS)
@pytest.mark.parametrize("who", ["buyer", "seller"])
def test_m3_contact_details_refused_in_messages_and_nothing_changes(text, who):
    conversation = start()
    author = getattr(conversation, who)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.message_send(conversation=conversation, author=author, text=text)
    assert "contains contact details" in exc.value.message and exc.value.field == "text"
    assert snapshot() == before


def test_m3_contact_details_refused_in_the_first_message_too():
    buyer, seller = person(), seller_with_kwork()
    before = snapshot()
    with pytest.raises(DomainError):
        services.conversation_start(buyer=buyer, seller=seller, text=CONTACTS[1])
    assert snapshot() == before


def test_m3_the_refused_text_stays_in_the_form_for_the_author_to_edit(client):
    conversation = start()
    client.force_login(conversation.buyer)
    url = reverse("messaging:send", args=[conversation.pk])
    text = "Let's talk on telegram: @joe_design instead"
    before = snapshot()
    response = client.post(url, {"text": text, "after": "0"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "contains contact details" in body and "joe_design instead</textarea>" in body
    plain = client.post(url, {"text": text})
    assert plain.status_code == 400 and "joe_design instead</textarea>" in plain.content.decode()
    assert snapshot() == before


def test_m3_a_refused_first_message_stays_in_the_start_form(client):
    buyer, seller = person(), seller_with_kwork()
    client.force_login(buyer)
    response = client.post(reverse("messaging:start", args=[seller.username]), {"text": "mail me: a@b.com please"})
    assert response.status_code == 400
    assert "contains contact details" in response.content.decode()
    assert "mail me: a@b.com please</textarea>" in response.content.decode()
    assert not Conversation.objects.exists()


def test_m5_attachments_follow_c6_and_only_the_two_people_download_them(client):
    conversation = start()
    before = snapshot()
    fake = SimpleUploadedFile("virus.png", b"MZ\x90\x00 not an image", content_type="image/png")
    with pytest.raises(DomainError):
        services.message_send(conversation=conversation, author=conversation.buyer, text="see", files=[fake])
    big = SimpleUploadedFile(
        "big.zip", b"PK\x03\x04" + b"0" * (4 * 1024 * 1024 + 1), content_type="application/zip"
    )
    with pytest.raises(DomainError) as exc:
        services.message_send(conversation=conversation, author=conversation.buyer, text="", files=[big])
    assert "share a link to a cloud folder" in exc.value.message
    assert snapshot() == before
    message = services.message_send(
        conversation=conversation, author=conversation.buyer, text="", files=[png_upload()]
    )
    attachment = MessageAttachment.objects.get(message=message)
    url = attachment.file.url
    assert url.startswith("/messages/files/messages/")
    for user, status in ((conversation.buyer, 200), (conversation.seller, 200), (person(), 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.logout()
    assert client.get(url).status_code == 302


def test_m1_too_long_or_empty_messages_are_refused():
    conversation = start()
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.message_send(conversation=conversation, author=conversation.buyer, text="   ")
    assert exc.value.message == "Write a message or attach a file."
    with pytest.raises(DomainError) as exc:
        services.message_send(
            conversation=conversation, author=conversation.buyer, text="x" * (rules.MESSAGE_MAX_LENGTH + 1)
        )
    assert "too long" in exc.value.message
    assert snapshot() == before


def test_a11_new_messages_notify_once_per_conversation_per_interval():
    conversation = start()
    seller = conversation.seller
    kinds = Notification.objects.filter(user=seller, kind=NotificationKind.NEW_MESSAGE)
    assert kinds.count() == 1
    t0 = timezone.now()
    with time_machine.travel(t0 + timedelta(minutes=1), tick=False):
        services.message_send(conversation=conversation, author=conversation.buyer, text="also this")
        services.message_send(conversation=conversation, author=conversation.buyer, text="and this")
    assert kinds.count() == 1  # batched: the seller has not read the conversation
    batch = timedelta(minutes=rules.NOTIFY_BATCH_MINUTES)
    with time_machine.travel(t0 + batch - timedelta(seconds=1), tick=False):
        services.message_send(conversation=conversation, author=conversation.buyer, text="still there?")
    assert kinds.count() == 1
    with time_machine.travel(t0 + batch + timedelta(seconds=1), tick=False):
        services.message_send(conversation=conversation, author=conversation.buyer, text="hello?")
    assert kinds.count() == 2
    # Once the seller read the thread, the next message notifies at once.
    services.conversation_mark_read(conversation=conversation, user=seller)
    with time_machine.travel(t0 + batch + timedelta(minutes=2), tick=False):
        services.message_send(conversation=conversation, author=conversation.buyer, text="one more")
    assert kinds.count() == 3
    conversation.refresh_from_db()
    assert conversation.seller_unread == 1


def test_a11_the_new_message_e_mail_is_queued(mailoutbox, django_capture_on_commit_callbacks):
    buyer, seller = person(), seller_with_kwork()
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_start(buyer=buyer, seller=seller, text="Hello there")
    assert any(seller.email in m.to for m in mailoutbox)


def test_m1_messages_are_stored_in_order_and_the_last_message_is_linked():
    conversation = start()
    last = services.message_send(conversation=conversation, author=conversation.seller, text="Answer")
    conversation.refresh_from_db()
    assert conversation.last_message_id == last.pk
    assert Message.objects.filter(conversation=conversation).count() == 2
