"""The order chat (M3, M5)."""

from django.db import transaction

from accounts.penalties import auto_penalty_for_message
from accounts.rules import NotificationKind
from common.contacts import ensure_no_contacts
from common.errors import DomainError

from .. import rules
from ..models import Order
from .common import S, check_files, message_create, notify, now


def _preview(text):
    limit = rules.MESSAGE_PREVIEW_LENGTH
    return (text[:limit] + "…") if len(text) > limit else text


def order_message_send(*, order, author, text, files=()):
    """The order's chat. M3: contact details are refused unless the order is in progress; M5: files per C6.
    Counts as activity (O8) and notifies the other party ("new_message")."""
    if order.party_of(author) is not None:
        # M3, M4: screened before the transaction, so the warning or block stands although the message is refused
        auto_penalty_for_message(
            author=author,
            text=(text or "").strip(),
            contacts_allowed=order.status == S.IN_PROGRESS,
            evidence_url=order.get_absolute_url(),
        )
    return _order_message_send(order=order, author=author, text=text, files=files)


@transaction.atomic
def _order_message_send(*, order, author, text, files=()):
    order = Order.objects.select_related("buyer", "seller").get(pk=order.pk)
    if order.party_of(author) is None:
        raise DomainError("Only the buyer and the seller of this order can write here.")
    text = (text or "").strip()
    files = [f for f in (files or ()) if f]
    if not text and not files:
        raise DomainError("Write a message or attach a file.")
    if len(text) > rules.MESSAGE_MAX_LENGTH:
        raise DomainError(f"The message is too long: at most {rules.MESSAGE_MAX_LENGTH:,} characters.")
    if order.status != S.IN_PROGRESS:
        ensure_no_contacts(text, what="Your message", field="text")
    files = check_files(files)
    at = now()
    message = message_create(order, author=author, text=text, files=files, at=at)
    Order.objects.filter(pk=order.pk).update(last_activity_at=at)
    notify(
        order.other_party(author),
        kind=NotificationKind.NEW_MESSAGE,
        title=f"New message on order #{order.pk}",
        body=_preview(text),
        order=order,
    )
    return message
