"""What the use-case modules of orders.services share (internal: callers use the names `services` exports):
who-may-act and state checks, history rows (O14), notifications (A11), text and file checks, and the two ends
of an order's life every family reaches — cancel with a refund, complete with the 80/20 release."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services as account_services
from accounts.rules import NotificationKind
from common.errors import DomainError
from common.uploads import validate_attachment
from marketplace import services as marketplace_services
from payments import services as payment_services
from payments.models import EscrowHold

from .. import rules, selectors
from ..links import order_url
from ..models import CancellationRequest, Order, OrderAttachment, OrderEvent, OrderMessage
from ..signals import order_finished, order_started
from .batch import notification_collect

S = Order.Status
Event = OrderEvent.Kind
ReqStatus = CancellationRequest.Status

CANCEL_FIELDS = [
    "status",
    "cancelled_at",
    "cancelled_by",
    "cancel_reason",
    "cancel_comment",
    "counts_against_seller",
    "auto_cancelled",
    "last_activity_at",
]
COMPLETE_FIELDS = ["status", "completed_at", "auto_completed", "last_activity_at"]
AUTO_COMPLETE_REASON = f"Accepted automatically after {rules.REVIEW_DAYS} days without an answer"
# The events after which an order has finished: ratings recompute the parties' figures (orders/signals.py).
FINISHING_EVENTS = frozenset({Event.COMPLETED, Event.CANCELLED})


def now():
    return timezone.now()


def refuse_state(order, *allowed):
    if order.status not in allowed:
        raise DomainError(selectors.STATE_REFUSALS[order.status])


def require_buyer(order, user, action):
    if user is None or user.pk != order.buyer_id:
        raise DomainError(f"Only the buyer can {action}.")


def require_seller(order, user, action):
    if user is None or user.pk != order.seller_id:
        raise DomainError(f"Only the seller can {action}.")


def event(order, *, kind, actor=None, from_status="", to_status="", reason="", at=None):
    if kind in FINISHING_EVENTS:
        order_finished.send(sender=Order, order_ids=[order.pk])
    elif kind == Event.STARTED:
        order_started.send(sender=Order, order_ids=[order.pk])
    return OrderEvent.objects.create(
        order=order,
        actor=actor,
        kind=kind,
        from_status=from_status or "",
        to_status=to_status or "",
        reason=reason,
        created_at=at or now(),
    )


def bulk_events(orders, *, kind, from_statuses, at, reason=""):
    if kind in FINISHING_EVENTS:
        order_finished.send(sender=Order, order_ids=[order.pk for order in orders])
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order,
            actor=None,
            kind=kind,
            from_status=from_statuses[order.pk],
            to_status=order.status,
            reason=reason,
            created_at=at,
        )
        for order in orders
    )


def notify(user, *, kind, title, body="", order):
    """A11: one notification linking the order page; inside a sweep batch it joins the batch's one INSERT."""
    item = {"user": user, "kind": kind, "title": title, "body": body, "url": order_url(order.pk)}
    if not notification_collect(item):
        account_services.notifications_send_many(notifications=[item])


def clean_text(text, *, required_message, max_length, what):
    text = (text or "").strip()
    if not text:
        raise DomainError(required_message)
    if len(text) > max_length:
        raise DomainError(f"{what} is too long: at most {max_length:,} characters.")
    return text


def check_files(files):
    files = [f for f in (files or ()) if f]
    if len(files) > rules.MAX_FILES_PER_MESSAGE:
        raise DomainError(f"You can attach at most {rules.MAX_FILES_PER_MESSAGE} files at once.")
    for upload in files:
        try:
            validate_attachment(upload)  # C6/M5: type by content, at most 4 MB
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    return files


def message_create(order, *, author, text, files, at):
    """A message of the order chat (the chat, and the requirements the buyer sends, which are posted there)."""
    message = OrderMessage.objects.create(order=order, author=author, text=text, created_at=at)
    for upload in files:
        OrderAttachment.objects.create(message=message, file=upload, name=upload.name[:200], size=upload.size)
    return message


def sync_autopause(order):
    """C11(b): the seller's in-progress count changed: let the marketplace pause or resume their Kworks."""
    marketplace_services.kwork_autopause_sync(
        seller=order.seller, in_progress_count=selectors.in_progress_count(seller=order.seller)
    )


def lapse_pending_requests(order, at):
    """A cancellation request still open when the order moves on (delivered, cancelled otherwise) lapses."""
    CancellationRequest.objects.filter(order=order, status=ReqStatus.PENDING).update(
        status=ReqStatus.LAPSED, answered_at=at
    )


def cancel(order, *, at, by, actor, reason, counts_against_seller, auto=False, comment="", notify_people=None):
    """Cancel a locked order: transition, history, refund at once (P2), lapse open requests, C11b, notify."""
    from_status = order.status
    order.cancel(
        now=at,
        by=by,
        reason=reason,
        counts_against_seller=counts_against_seller,
        auto=auto,
        comment=comment,
    )
    order.save()
    label = rules.reason_label(reason)
    event(
        order,
        kind=Event.CANCELLED,
        actor=actor,
        from_status=from_status,
        to_status=order.status,
        reason=f"{label}. {comment}".strip() if comment else label,
        at=at,
    )
    if order.escrow_hold_id and order.escrow_hold.status == EscrowHold.Status.HELD:
        payment_services.escrow_refund(hold=order.escrow_hold)
    lapse_pending_requests(order, at)
    if from_status == S.IN_PROGRESS:
        sync_autopause(order)
    people = (
        notify_people
        if notify_people is not None
        else [p for p in (order.buyer, order.seller) if actor is None or p != actor]
    )
    notify_cancelled(order, people, label)
    return order


def notify_cancelled(order, people, label):
    for person in people:
        refund = " The money has been returned to your balance." if person.pk == order.buyer_id else ""
        notify(
            person,
            kind=NotificationKind.ORDER_STATUS,
            title=f"Order #{order.pk} was cancelled",
            body=f"{label}.{refund}",
            order=order,
        )


def complete(order, *, at, actor, auto):
    """Complete a locked delivered order: the escrow pays the seller their share and the platform the rest."""
    from_status = order.status
    order.complete(now=at, auto=auto)
    order.save()
    event(
        order,
        kind=Event.COMPLETED,
        actor=actor,
        from_status=from_status,
        to_status=order.status,
        reason=AUTO_COMPLETE_REASON if auto else "",
        at=at,
    )
    payment_services.escrow_release(hold=order.escrow_hold, seller=order.seller)  # O6/P3
    notify_completed(order, [order.seller] if actor is not None else [order.seller, order.buyer])
    return order


def notify_completed(order, people):
    for person in people:
        notify(
            person,
            kind=NotificationKind.ORDER_STATUS,
            title=f"Order #{order.pk} is completed",
            body="The payment has been released to the seller." if person == order.seller else "",
            order=order,
        )
