"""The order chat: M3 contact details only in an order in progress, M5 attachments per C6, O8 activity, A11."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Notification
from orders import selectors, services
from orders.models import Order, OrderAttachment, OrderMessage
from tests.marketplace.factories import png_upload
from tests.orders.factories import delivered, exactly, person, place, started

pytestmark = pytest.mark.django_db
CONTACTS = ["call me on +1 415 555 0100", "write to joe@example.com", "telegram: @joe_design", "see www.joe.io"]


def counts():
    return OrderMessage.objects.count(), OrderAttachment.objects.count(), Notification.objects.count()


@pytest.mark.parametrize("text", CONTACTS)
def test_m3_contact_details_refused_in_chat_before_work_starts(text):
    order = place()
    before = counts()
    with pytest.raises(services.DomainError) as exc:
        services.order_message_send(order=order, author=order.buyer, text=text)
    assert "contains contact details" in str(exc.value)
    assert exc.value.field == "text"
    assert counts() == before


@pytest.mark.parametrize("text", CONTACTS)
def test_m3_contact_details_allowed_in_chat_of_an_order_in_progress(text):
    order = started()
    message = services.order_message_send(order=order, author=order.seller, text=text)
    assert message.text == text


def test_m3_contact_details_refused_again_once_delivered():
    order = delivered()
    with pytest.raises(services.DomainError, match="contains contact details"):
        services.order_message_send(order=order, author=order.seller, text="joe@example.com")


def test_m1_only_the_two_parties_write_in_the_order_chat():
    order = started()
    before = counts()
    with pytest.raises(
        services.DomainError, match=exactly("Only the buyer and the seller of this order can write here.")
    ):
        services.order_message_send(order=order, author=person(), text="Hello")
    assert counts() == before


def test_m1_empty_message_refused():
    order = started()
    with pytest.raises(services.DomainError, match=exactly("Write a message or attach a file.")):
        services.order_message_send(order=order, author=order.buyer, text="  ")


def test_a11_message_notifies_the_other_party_and_counts_as_activity():
    order = started()
    later = timezone.now() + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        services.order_message_send(order=order, author=order.buyer, text="Any news?")
    assert Order.objects.get(pk=order.pk).last_activity_at == later
    note = Notification.objects.get(user=order.seller, kind="new_message")
    assert note.body == "Any news?"
    assert not Notification.objects.filter(user=order.buyer, kind="new_message").exists()


def test_m5_valid_image_attachment_is_kept():
    order = started()
    message = services.order_message_send(
        order=order, author=order.seller, text="", files=[png_upload("draft.png")]
    )
    attachment = message.attachments.get()
    assert attachment.name == "draft.png"
    assert attachment.size > 0


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (lambda: SimpleUploadedFile("tool.exe", b"MZ\x90\x00binary"), "this type of file is not allowed"),
        (lambda: SimpleUploadedFile("photo.png", b"not really a png at all"), "is not really a .png file"),
        (lambda: SimpleUploadedFile("big.zip", b"PK\x03\x04" + b"0" * (4 * 1024 * 1024 + 10)), "4 MB"),
    ],
)
def test_m5_bad_attachments_refused_with_nothing_saved(upload, expected):
    order = started()
    before = counts()
    with pytest.raises(services.DomainError, match=expected):
        services.order_message_send(order=order, author=order.buyer, text="See file", files=[upload()])
    assert counts() == before


def test_m5_bad_delivery_file_refused_and_order_stays_in_progress():
    order = started()
    with pytest.raises(services.DomainError, match="not allowed"):
        services.order_deliver(
            order=order, seller=order.seller, message="Done", files=[SimpleUploadedFile("x.exe", b"MZ")]
        )
    assert Order.objects.get(pk=order.pk).status == Order.Status.IN_PROGRESS


def test_m5_delivery_with_a_valid_file():
    order = started()
    delivery = services.order_deliver(
        order=order, seller=order.seller, message="Done", files=[png_upload("logo.png")]
    )
    assert delivery.files.get().name == "logo.png"


def test_m5_too_many_files_refused():
    order = started()
    with pytest.raises(services.DomainError, match="at most 5 files"):
        services.order_message_send(
            order=order, author=order.buyer, text="x", files=[png_upload(f"{i}.png") for i in range(6)]
        )


def test_o1_requirements_go_to_the_order_and_the_chat():
    order = place()
    services.order_requirements_send(
        order=order, buyer=order.buyer, text="A logo for Bella's Bakery, pastel colours.", files=[png_upload()]
    )
    order = Order.objects.get(pk=order.pk)
    assert order.requirements == "A logo for Bella's Bakery, pastel colours."
    assert order.requirements_sent_at is not None
    message = OrderMessage.objects.get(order=order)
    assert message.author == order.buyer and message.attachments.count() == 1
    assert Notification.objects.filter(user=order.seller, title__contains="requirements").exists()


# The markup of one message as the template the {% chat_messages %} tag replaced wrote it (orders_tags.py).
REFERENCE_MESSAGE = """<div class="chat-message{% if message.author_id == user.pk %} mine{% endif %}" id="order-message-{{ message.pk }}">
  <div class="chat-meta">{% if message.author_id == user.pk %}You{% else %}{{ message.author.public_name }}{% endif %} · <time datetime="{{ message.created_at|date:'c' }}">{{ message.created_at|datetime }}</time></div>
  {% if message.text %}<div class="chat-text">{{ message.text|linebreaksbr }}</div>{% endif %}
  {% if message.attachments.all %}<ul class="files">{% for f in message.attachments.all %}<li><a href="{{ f.file.url }}" download>{{ f.name }}</a> <small class="muted">{{ f.size|filesizeformat }}</small></li>{% endfor %}</ul>{% endif %}
</div>
"""


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_m1_m5_the_chat_tag_writes_what_the_message_template_wrote(zone):
    """The chat's messages are written by a tag instead of a template per message (speed): same markup, text
    escaped with its line breaks, attachments with their private download links, "You" for the reader's own."""
    from zoneinfo import ZoneInfo

    from django.template import Context, Template

    order = started()
    services.order_message_send(order=order, author=order.buyer, text="Hello <b>there</b>\nSecond line & more")
    services.order_message_send(order=order, author=order.seller, text="", files=[png_upload()])
    services.order_message_send(order=order, author=order.seller, text="Both", files=[png_upload(), png_upload()])
    rows = selectors.chat_page(selectors.order_get_for(user=order.buyer, pk=order.pk)).rows
    assert len(rows) == 3 and OrderAttachment.objects.count() == 3
    with timezone.override(ZoneInfo(zone)):
        for reader in (order.buyer, order.seller):
            expected = "".join(
                Template(REFERENCE_MESSAGE).render(Context({"message": message, "user": reader}))
                for message in rows
            )
            written = Template("{% load orders_tags %}{% chat_messages rows %}").render(
                Context({"rows": rows, "user": reader})
            )
            assert written == expected
    # The last reader was the seller: the buyer's message under the buyer's name, theirs as "You", "mine".
    assert "&lt;b&gt;there&lt;/b&gt;<br>Second line &amp; more" in written
    first, second, _ = written.split('<div class="chat-message')[1:]
    assert f">{order.buyer.public_name} · <time" in first and not first.startswith(" mine")
    assert second.startswith(" mine") and ">You · <time" in second
    assert second.count(" download>") == 1 and 'href="/files/orders/' in second
