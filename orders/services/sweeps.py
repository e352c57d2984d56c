"""The timer sweeps (O3, O5, O6, O8, O9/O10): what each does to the orders it finds due. How they find, lock and
batch them is in batch.py. Each returns the number of orders (or requests) it handled; run again, it does
nothing more."""

from datetime import timedelta

from django.db.models import Q

from accounts.rules import NotificationKind
from payments import services as payment_services
from payments.models import EscrowHold

from .. import rules
from ..models import CancellationRequest, Order
from .batch import persist_batch, sweep_orders, sweep_rows
from .common import (
    AUTO_COMPLETE_REASON,
    CANCEL_FIELDS,
    COMPLETE_FIELDS,
    Event,
    ReqStatus,
    S,
    bulk_events,
    cancel,
    complete,
    event,
    notify,
    notify_cancelled,
    notify_completed,
    sync_autopause,
)
from .common import now as _now  # the sweeps take `now=` as a keyword


def _cancel_batch(orders, *, at, reason, counts_against_seller):
    """`common.cancel` for a batch of locked orders, by the system: the same fields, history, refunds (one batch
    posting), lapsed requests, C11(b) and notifications to both parties."""
    from_statuses = {order.pk: order.status for order in orders}
    for order in orders:
        order.cancel(
            now=at, by=Order.Party.SYSTEM, reason=reason, counts_against_seller=counts_against_seller, auto=True
        )
    persist_batch(orders, CANCEL_FIELDS, from_states=set(from_statuses.values()))
    label = rules.reason_label(reason)
    bulk_events(orders, kind=Event.CANCELLED, from_statuses=from_statuses, at=at, reason=label)
    holds = [o.escrow_hold for o in orders if o.escrow_hold_id and o.escrow_hold.status == EscrowHold.Status.HELD]
    if holds:
        payment_services.escrow_refund_many(holds=holds)
    CancellationRequest.objects.filter(order__in=orders, status=ReqStatus.PENDING).update(
        status=ReqStatus.LAPSED, answered_at=at
    )
    one_per_seller = {o.seller_id: o for o in orders if from_statuses[o.pk] == S.IN_PROGRESS}
    for order in one_per_seller.values():
        sync_autopause(order)
    for order in orders:
        notify_cancelled(order, [order.buyer, order.seller], label)


def _complete_batch(orders, *, at):
    """O6 auto-completion of a batch of locked delivered orders: one batch release in the ledger."""
    from_statuses = {order.pk: order.status for order in orders}
    for order in orders:
        order.complete(now=at, auto=True)
    persist_batch(orders, COMPLETE_FIELDS, from_states=set(from_statuses.values()))
    bulk_events(orders, kind=Event.COMPLETED, from_statuses=from_statuses, at=at, reason=AUTO_COMPLETE_REASON)
    payment_services.escrow_release_many(releases=[(order.escrow_hold, order.seller) for order in orders])
    for order in orders:
        notify_completed(order, [order.seller, order.buyer])


def _overdue_one(order, at):
    order.overdue_at = at
    order.was_overdue = True


def _notify_overdue(order):
    notify(
        order.buyer,
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk} is overdue",
        body="The seller did not deliver in time. You may cancel at once with a full refund, or wait if you "
        "agreed on a new date.",
        order=order,
    )
    notify(order.seller, kind=NotificationKind.ORDER_STATUS, title=f"Order #{order.pk} is overdue", order=order)


def _auto_cancel_sweep(*, due, order_by, reason, counts_against_seller, at, batch_size):
    """The sweeps that cancel and refund (O3, O8): batches through _cancel_batch, one by one through cancel."""
    return sweep_orders(
        due=due,
        order_by=order_by,
        batch_size=batch_size,
        apply_batch=lambda orders: _cancel_batch(
            orders, at=at, reason=reason, counts_against_seller=counts_against_seller
        ),
        handle_one_order=lambda order: cancel(
            order,
            at=at,
            by=Order.Party.SYSTEM,
            actor=None,
            reason=reason,
            counts_against_seller=counts_against_seller,
            auto=True,
        ),
    )


def orders_autocancel_unaccepted(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """O3: a new order the seller has not started by `accept_by` is cancelled, refunded, and counts against the
    seller's rating."""
    at = now or _now()
    return _auto_cancel_sweep(
        due=Q(status=S.NEW, accept_by__lte=at),
        order_by="accept_by",
        reason=rules.AUTO_UNACCEPTED,
        counts_against_seller=True,
        at=at,
        batch_size=batch_size,
    )


def orders_mark_overdue(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """O5: an order in progress past its due time is marked overdue (it stays in progress); the buyer is told
    they may cancel at once with a full refund."""
    at = now or _now()

    def handle(order):
        _overdue_one(order, at)
        order.save(update_fields=["overdue_at", "was_overdue"])
        event(order, kind=Event.OVERDUE, from_status=order.status, to_status=order.status, at=at)
        _notify_overdue(order)

    def apply_batch(orders):
        for order in orders:
            _overdue_one(order, at)
        persist_batch(orders, ["overdue_at", "was_overdue"], from_states={S.IN_PROGRESS})
        bulk_events(orders, kind=Event.OVERDUE, from_statuses={o.pk: o.status for o in orders}, at=at)
        for order in orders:
            _notify_overdue(order)

    return sweep_orders(
        due=Q(status=S.IN_PROGRESS, overdue_at__isnull=True, due_at__lte=at),
        order_by="due_at",
        batch_size=batch_size,
        apply_batch=apply_batch,
        handle_one_order=handle,
    )


def orders_autocomplete(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """O6: a delivery the buyer neither accepted nor sent back within REVIEW_DAYS completes automatically; the
    escrow pays the seller and the platform their shares."""
    at = now or _now()
    return sweep_orders(
        due=Q(status=S.DELIVERED, review_until__lte=at),
        order_by="review_until",
        batch_size=batch_size,
        apply_batch=lambda orders: _complete_batch(orders, at=at),
        handle_one_order=lambda order: complete(order, at=at, actor=None, auto=True),
    )


def orders_cancel_inactive(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """O8: an order in progress with no activity for INACTIVITY_DAYS is cancelled and refunded (no rating
    effect: neither side acted)."""
    at = now or _now()
    return _auto_cancel_sweep(
        due=Q(status=S.IN_PROGRESS, last_activity_at__lte=at - timedelta(days=rules.INACTIVITY_DAYS)),
        order_by="last_activity_at",
        reason=rules.AUTO_INACTIVE,
        counts_against_seller=False,
        at=at,
        batch_size=batch_size,
    )


def cancellation_requests_autoconfirm(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """O9/O10: a cancellation request left unanswered until `respond_by` is confirmed automatically: the order
    is cancelled and refunded with the reason's rating effect. A request whose order moved on lapses."""
    at = now or _now()

    def handle(request):
        order = request.order
        request.answered_at = at
        if order.status not in rules.CANCEL_REASONS[request.reason].states:
            request.status = ReqStatus.LAPSED
            request.save(update_fields=["status", "answered_at"])
            return
        request.status = ReqStatus.AUTO_CONFIRMED
        request.save(update_fields=["status", "answered_at"])
        cancel(
            order,
            at=at,
            by=request.side,
            actor=None,
            reason=request.reason,
            comment=request.comment,
            counts_against_seller=request.counts_against_seller,
            auto=True,
        )

    return sweep_rows(
        model=CancellationRequest,
        due=Q(status=ReqStatus.PENDING, respond_by__lte=at),
        order_by="respond_by",
        handle=handle,
        batch_size=batch_size,
    )
