"""Cancellations (O9, O10, C7): a party's reason — at once, or a request the other side answers (or that is
confirmed automatically after RESPOND_DAYS, see sweeps) — and staff cancelling prohibited work."""

from datetime import timedelta

from django.db import transaction

from accounts import roles as account_roles
from accounts.rules import NotificationKind
from common.errors import DomainError

from .. import rules, selectors
from ..lock_objects import cancellation_request_lock, order_lock
from ..models import CancellationRequest, Order
from .common import Event, ReqStatus, S, cancel, clean_text, event, notify, now, refuse_state


@transaction.atomic
def cancellation_request_create(*, order, user, reason, comment=""):
    """O9/O10. Immediate reasons cancel at once and return the Order. Reasons the other side confirms create a
    pending CancellationRequest (respond_by = now + RESPOND_DAYS) — or, when the buyer asks and the order is
    already overdue (O9), cancel at once."""
    order = order_lock(order)
    side = order.party_of(user)
    if side is None:
        raise DomainError("Only the buyer or the seller of this order can cancel it.")
    code = reason.code if isinstance(reason, rules.CancelReason) else reason
    choice = rules.CANCEL_REASONS.get(code)
    if choice is None:
        raise DomainError("Please choose a reason for the cancellation.")
    comment = (comment or "").strip()
    if len(comment) > rules.REASON_MAX_LENGTH:
        raise DomainError(f"The comment is too long: at most {rules.REASON_MAX_LENGTH:,} characters.")
    at = now()
    refusal = selectors.cancellation_reason_refusal(order=order, user=user, reason=choice, now=at)
    if refusal:
        raise DomainError(refusal)
    if not choice.only_overdue and selectors.has_pending_cancellation(order):
        raise DomainError("A cancellation request is already waiting for an answer.")
    immediate = not choice.confirm or (side == rules.BUYER and order.is_overdue)
    if immediate:
        return cancel(
            order,
            at=at,
            by=side,
            actor=user,
            reason=choice.code,
            comment=comment,
            counts_against_seller=choice.counts_against_seller,
        )
    request = CancellationRequest.objects.create(
        order=order,
        requested_by=user,
        side=side,
        reason=choice.code,
        comment=comment,
        respond_by=at + timedelta(days=rules.RESPOND_DAYS),
        counts_against_seller=choice.counts_against_seller,
        created_at=at,
    )
    order.last_activity_at = at
    fields = ["last_activity_at"]
    if order.status == S.NEW:
        # O3 is held while the request is open (rules.py): the time left to start resumes after respond_by.
        order.accept_by = request.respond_by + _time_to_start(order.accept_by - at)
        fields.append("accept_by")
    order.save(update_fields=fields)
    event(
        order,
        kind=Event.CANCEL_REQUESTED,
        actor=user,
        from_status=order.status,
        to_status=order.status,
        reason=f"{choice.label}. {comment}".strip() if comment else choice.label,
        at=at,
    )
    notify(
        order.other_party(user),
        kind=NotificationKind.CANCELLATION_REQUEST,
        title=f"Order #{order.pk}: the {side} asks to cancel",
        body=f"{choice.label}. Please accept or decline within {rules.RESPOND_DAYS} days; without an answer the "
        "order is cancelled automatically.",
        order=order,
    )
    return request


def _time_to_start(left):
    return max(left, timedelta(hours=rules.ACCEPT_RESUME_MIN_HOURS))


def _resume_accept_clock(order, request, at):
    """O3 held by the request: give the seller back the time to start they had when it was opened (stored as
    accept_by - respond_by), from now. Returns the fields changed."""
    if order.status != S.NEW:
        return []
    order.accept_by = at + _time_to_start(order.accept_by - request.respond_by)
    return ["accept_by"]


@transaction.atomic
def cancellation_request_answer(*, request, user, accept):
    """O9/O10: the other side accepts (the order is cancelled, refund at once) or declines (work goes on)."""
    order, request = cancellation_request_lock(request)
    side = order.party_of(user)
    if side is None:
        raise DomainError("Only the buyer or the seller of this order can answer.")
    if side == request.side:
        raise DomainError("You cannot answer your own cancellation request.")
    if request.status != ReqStatus.PENDING:
        raise DomainError("This cancellation request has already been answered or closed.")
    at = now()
    request.answered_at = at
    if accept:
        request.status = ReqStatus.ACCEPTED
        request.save(update_fields=["status", "answered_at"])
        cancel(
            order,
            at=at,
            by=request.side,
            actor=user,
            reason=request.reason,
            comment=request.comment,
            counts_against_seller=request.counts_against_seller,
        )
        return request
    request.status = ReqStatus.DECLINED
    request.save(update_fields=["status", "answered_at"])
    order.last_activity_at = at
    order.save(update_fields=["last_activity_at", *_resume_accept_clock(order, request, at)])
    event(order, kind=Event.CANCEL_DECLINED, actor=user, from_status=order.status, to_status=order.status, at=at)
    notify(
        request.requested_by,
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk}: your cancellation request was declined",
        body="The order goes on. If you cannot agree, you can open an arbitration.",
        order=order,
    )
    return request


@transaction.atomic
def cancellation_request_withdraw(*, request, user):
    """The side that asked takes its cancellation request back."""
    order, request = cancellation_request_lock(request)
    if user is None or user.pk != request.requested_by_id:
        raise DomainError("Only the person who asked for the cancellation can withdraw it.")
    if request.status != ReqStatus.PENDING:
        raise DomainError("This cancellation request has already been answered or closed.")
    at = now()
    request.status = ReqStatus.WITHDRAWN
    request.answered_at = at
    request.save(update_fields=["status", "answered_at"])
    order.last_activity_at = at
    order.save(update_fields=["last_activity_at", *_resume_accept_clock(order, request, at)])
    event(order, kind=Event.CANCEL_WITHDRAWN, actor=user, from_status=order.status, to_status=order.status, at=at)
    notify(
        order.other_party(user),
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk}: the cancellation request was withdrawn",
        order=order,
    )
    return request


@transaction.atomic
def order_cancel_by_staff(*, order, staff_user, reason):
    """C7: Support cancels an order with prohibited content (T6: the back office's work, not moderators');
    full refund to the buyer, no rating effect."""
    if staff_user is None or not account_roles.is_support(staff_user):
        raise DomainError("Only support staff can cancel an order this way.")
    order = order_lock(order)
    refuse_state(order, *Order.ACTIVE_STATES)
    reason = clean_text(
        reason,
        required_message="Please give the reason for the cancellation.",
        max_length=rules.REASON_MAX_LENGTH,
        what="The reason",
    )
    return cancel(
        order,
        at=now(),
        by=Order.Party.STAFF,
        actor=staff_user,
        reason=rules.STAFF_PROHIBITED,
        comment=reason,
        counts_against_seller=False,
        notify_people=[order.buyer, order.seller],
    )
