"""The hooks the arbitration app calls (O12): open an arbitration on an order, and record support's decision."""

from django.db import transaction

from accounts import roles as account_roles
from accounts.rules import NotificationKind
from common.errors import DomainError
from common.money import format_cents
from payments import services as payment_services

from .. import rules
from ..lock_objects import order_lock
from ..models import Order
from .common import (
    Event,
    S,
    cancel,
    clean_text,
    event,
    lapse_pending_requests,
    notify,
    now,
    refuse_state,
    sync_autopause,
)


def order_open_arbitration(*, order, user, description, notify_other_party=True):
    """O12 hook for the arbitration app: move an order in progress or delivered to arbitration. The money stays
    in escrow. The arbitration app records the dispute itself (this only changes the order and its history) and
    passes notify_other_party=False because its own notice says more (what is asked, the answer deadline)."""
    with transaction.atomic():
        order = order_lock(order)
        if order.party_of(user) is None:
            raise DomainError("Only the buyer or the seller of this order can open an arbitration.")
        refuse_state(order, S.IN_PROGRESS, S.DELIVERED)
        description = clean_text(
            description,
            required_message="Please describe the problem.",
            max_length=rules.ARBITRATION_TEXT_MAX_LENGTH,
            what="The description",
        )
        at = now()
        from_status = order.status
        order.open_arbitration(now=at)
        order.save()
        event(
            order,
            kind=Event.ARBITRATION,
            actor=user,
            from_status=from_status,
            to_status=order.status,
            reason=description,
            at=at,
        )
        lapse_pending_requests(order, at)
        if notify_other_party:
            notify(
                order.other_party(user),
                kind=NotificationKind.ORDER_STATUS,
                title=f"Order #{order.pk} was sent to arbitration",
                order=order,
            )
        if from_status == S.IN_PROGRESS:
            sync_autopause(order)
        return order


@transaction.atomic
def order_arbitration_resolve(*, order, staff_user, refund_cents, reasoning, agreed=False):
    """O12 hook for the arbitration app: support's final decision on an order in arbitration. refund_cents = 0
    pays everything to the seller (completed, shares as on completion), = the total refunds everything
    (cancelled), anything between splits the escrow (completed, the rest paid to the seller as a sale).
    Recorded with its reasoning. agreed=True: both parties proposed this same split, so it settles without
    staff (staff_user is then None)."""
    if not agreed and (
        staff_user is None or not (staff_user.is_superuser or account_roles.is_support(staff_user))
    ):
        raise DomainError("Only support staff can decide an arbitration.")
    order = order_lock(order)
    refuse_state(order, S.IN_ARBITRATION)
    if (
        isinstance(refund_cents, bool)
        or not isinstance(refund_cents, int)
        or not 0 <= refund_cents <= order.total_cents
    ):
        raise DomainError(f"The refund must be between {format_cents(0)} and {format_cents(order.total_cents)}.")
    reasoning = clean_text(
        reasoning,
        required_message="Please write the reasoning of the decision.",
        max_length=rules.ARBITRATION_TEXT_MAX_LENGTH,
        what="The reasoning",
    )
    at = now()
    if refund_cents == order.total_cents:
        return cancel(
            order,
            at=at,
            by=Order.Party.STAFF,
            actor=staff_user,
            reason=rules.ARBITRATION_REFUND,
            comment=reasoning,
            counts_against_seller=True,
            notify_people=[order.buyer, order.seller],
        )
    order.complete(now=at)
    order.save()
    if refund_cents:
        payment_services.escrow_split(hold=order.escrow_hold, seller=order.seller, refund_cents=refund_cents)
        outcome = f"Split: {format_cents(refund_cents)} refunded to the buyer, the rest paid to the seller"
    else:
        payment_services.escrow_release(hold=order.escrow_hold, seller=order.seller)
        outcome = "Decided for the seller: paid in full"
    event(
        order,
        kind=Event.COMPLETED,
        actor=staff_user,
        from_status=S.IN_ARBITRATION,
        to_status=order.status,
        reason=f"{outcome}. {reasoning}",
        at=at,
    )
    for person in (order.buyer, order.seller):
        notify(
            person,
            kind=NotificationKind.ORDER_STATUS,
            title=f"Order #{order.pk}: arbitration decided",
            body=outcome,
            order=order,
        )
    return order
