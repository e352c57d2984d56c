"""The seller's and the buyer's actions on a running order (O2–O7): requirements, start, deliver, accept,
revision, and the buyer's quick cancel."""

from django.db import transaction

from accounts.rules import NotificationKind
from common import dates
from common.contacts import ensure_no_contacts
from common.errors import DomainError

from .. import rules, selectors
from ..lock_objects import order_lock
from ..models import Delivery, DeliveryFile, Order
from .common import (
    Event,
    S,
    cancel,
    check_files,
    clean_text,
    complete,
    event,
    lapse_pending_requests,
    message_create,
    notify,
    now,
    refuse_state,
    require_buyer,
    require_seller,
    sync_autopause,
)


@transaction.atomic
def order_requirements_send(*, order, buyer, text, files=()):
    """The buyer sends what the seller needs to start (Kwork instructions). Also posted in the order chat."""
    order = order_lock(order)
    require_buyer(order, buyer, "send the requirements")
    refuse_state(order, S.NEW, S.IN_PROGRESS)
    text = clean_text(
        text,
        required_message="Please write what the seller needs to know.",
        max_length=rules.REQUIREMENTS_MAX_LENGTH,
        what="The requirements",
    )
    if order.status != S.IN_PROGRESS:
        ensure_no_contacts(text, what="Your requirements", field="text")  # M3
    files = check_files(files)
    at = now()
    order.requirements = text
    order.requirements_sent_at = at
    order.last_activity_at = at
    order.save(update_fields=["requirements", "requirements_sent_at", "last_activity_at"])
    message_create(order, author=buyer, text=text, files=files, at=at)
    event(order, kind=Event.REQUIREMENTS, actor=buyer, from_status=order.status, to_status=order.status, at=at)
    notify(
        order.seller,
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk}: the buyer sent the requirements",
        order=order,
    )
    return order


@transaction.atomic
def order_start(*, order, seller):
    """O3/O4 "Start working": due = now + the order's lead time (C5 already applied)."""
    order = order_lock(order)
    require_seller(order, seller, "start work on this order")
    refuse_state(order, S.NEW)
    at = now()
    if at >= order.accept_by:
        raise DomainError(selectors.ACCEPT_PASSED)
    order.start(now=at)
    order.save()
    event(order, kind=Event.STARTED, actor=seller, from_status=S.NEW, to_status=order.status, at=at)
    notify(
        order.buyer,
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk}: the seller started work",
        body=f"Due {dates.format_datetime(order.due_at, order.buyer, show_zone=True)}.",
        order=order,
    )
    sync_autopause(order)
    return order


@transaction.atomic
def order_deliver(*, order, seller, message, files=()):
    """O6: the seller submits the result; the buyer has REVIEW_DAYS to accept it or ask for a revision."""
    order = order_lock(order)
    require_seller(order, seller, "deliver this order")
    refuse_state(order, S.IN_PROGRESS)
    message = clean_text(
        message,
        required_message="Please describe the result you deliver.",
        max_length=rules.DELIVERY_MAX_LENGTH,
        what="The delivery message",
    )
    files = check_files(files)
    at = now()
    delivery = Delivery.objects.create(order=order, message=message, created_at=at)
    for upload in files:
        DeliveryFile.objects.create(delivery=delivery, file=upload, name=upload.name[:200], size=upload.size)
    order.deliver(now=at)
    order.save()
    event(order, kind=Event.DELIVERED, actor=seller, from_status=S.IN_PROGRESS, to_status=order.status, at=at)
    lapse_pending_requests(order, at)
    notify(
        order.buyer,
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk}: the work is delivered",
        body=f"Please accept it or ask for a revision within {rules.REVIEW_DAYS} days; "
        "after that the order completes automatically.",
        order=order,
    )
    sync_autopause(order)
    return delivery


@transaction.atomic
def order_accept_delivery(*, order, buyer):
    """O6: the buyer accepts the work: completed, the escrow pays the seller their share and the platform the
    rest (payments.rules.SELLER_SHARE_PERCENT)."""
    order = order_lock(order)
    require_buyer(order, buyer, "accept the work")
    refuse_state(order, S.DELIVERED)
    return complete(order, at=now(), actor=buyer, auto=False)


@transaction.atomic
def order_request_revision(*, order, buyer, reason):
    """O6/O7: the buyer sends the delivery back for revision, with reasons; the order goes back to work."""
    order = order_lock(order)
    require_buyer(order, buyer, "ask for a revision")
    refuse_state(order, S.DELIVERED)
    reason = clean_text(
        reason,
        required_message="Please say what should be changed.",
        max_length=rules.REASON_MAX_LENGTH,
        what="The reason",
    )
    at = now()
    delivery = order.deliveries.order_by("-created_at", "-pk").first()
    if delivery is not None:
        delivery.revision_requested_at = at
        delivery.revision_reason = reason
        delivery.save(update_fields=["revision_requested_at", "revision_reason"])
    order.request_revision(now=at)
    order.save()
    event(
        order,
        kind=Event.REVISION,
        actor=buyer,
        from_status=S.DELIVERED,
        to_status=order.status,
        reason=reason,
        at=at,
    )
    notify(
        order.seller,
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk}: revision requested",
        body=reason,
        order=order,
    )
    sync_autopause(order)
    return order


QUICK_CANCEL_STARTED = (
    "The seller has already started work, so the order can no longer be cancelled on your own. "
    "Choose a cancellation reason instead."
)


@transaction.atomic
def order_cancel_quick(*, order, buyer):
    """O2: within QUICK_CANCEL_MINUTES of paying, while the seller has not started, the buyer cancels alone:
    refund at once, no rating effect. Once work started (even if it was delivered and sent back for a revision
    since) the buyer chooses an O9 reason instead."""
    order = order_lock(order)
    require_buyer(order, buyer, "cancel this order")
    if order.status == S.IN_PROGRESS:
        raise DomainError(QUICK_CANCEL_STARTED)
    refuse_state(order, S.NEW)
    at = now()
    if at >= order.quick_cancel_until:
        raise DomainError(
            f"The {rules.QUICK_CANCEL_MINUTES} minutes for cancelling on your own have passed. "
            "Choose a cancellation reason instead."
        )
    return cancel(
        order,
        at=at,
        by=Order.Party.BUYER,
        actor=buyer,
        reason=rules.QUICK_CANCEL,
        counts_against_seller=False,
    )
