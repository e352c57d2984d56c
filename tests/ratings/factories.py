"""Helpers of the ratings tests: hand-made order facts (for formulas), orders written straight into a finished
state (for recomputation at scale — the orders app's own tests cover how they get there), and real orders made
through the orders services (for feedback)."""

from datetime import timedelta

from django.utils import timezone

from orders import services as order_services
from orders.models import Order
from orders.rules import AUTO_UNACCEPTED
from ratings.formulas import OrderFact
from tests.orders.factories import delivered, kwork_of, person, place

T0 = timezone.datetime(2026, 6, 1, 12, 0, tzinfo=timezone.UTC)

_ids = iter(range(1, 10**9))


def fact(kind="ok", *, at=None, seller_id=1, buyer_id=None, kwork_id=1, feedback=None, **overrides):
    """One order fact. kind: ok (completed), late (completed, was overdue), failed (cancelled against the
    seller), auto (O3 auto-cancelled), neutral (cancelled with no rating effect), lost (arbitration refund),
    active (in progress)."""
    pk = next(_ids)
    at = at or T0 + timedelta(hours=pk)
    base = {
        "id": pk,
        "seller_id": seller_id,
        "buyer_id": buyer_id if buyer_id is not None else 1000 + pk,
        "kwork_id": kwork_id,
        "placed_at": at - timedelta(days=3),
        "started_at": at - timedelta(days=2),
        "feedback": feedback,
    }
    if kind in ("ok", "late"):
        base.update(status="completed", completed_at=at, was_overdue=kind == "late")
    elif kind == "failed":
        base.update(status="cancelled", cancelled_at=at, counts_against_seller=True, cancel_reason="seller_busy")
    elif kind == "auto":
        base.update(
            status="cancelled",
            cancelled_at=at,
            counts_against_seller=True,
            auto_cancelled=True,
            cancel_reason=AUTO_UNACCEPTED,
            started_at=None,
        )
    elif kind == "neutral":
        base.update(status="cancelled", cancelled_at=at, cancel_reason="buyer_quick_cancel")
    elif kind == "lost":
        base.update(
            status="cancelled",
            cancelled_at=at,
            counts_against_seller=True,
            cancel_reason="arbitration_refund",
            arbitration_lost=True,
        )
    elif kind == "active":
        base.update(status="in_progress")
    else:
        raise ValueError(kind)
    base.update(overrides)
    return OrderFact(**base)


def history(*kinds_and_counts, **common):
    """history(("ok", 30), ("failed", 1)) → facts in that order of finishing."""
    facts = []
    for kind, count in kinds_and_counts:
        facts.extend(fact(kind, **common) for _ in range(count))
    return facts


def order_row(*, seller=None, buyer=None, kwork=None, kind="ok", at=None, feedback=None, **fields):
    """An order written straight into a finished state (no escrow): for recomputation tests at scale."""
    kwork = kwork or kwork_of(seller)
    buyer = buyer or person()
    at = at or timezone.now()
    order = Order.objects.create(
        buyer=buyer,
        seller=kwork.seller,
        kwork=kwork,
        title=kwork.title,
        unit_price_cents=1000,
        total_cents=1000,
        lead_time_days=3,
        accept_by=at,
        placed_at=at - timedelta(days=3),
    )
    values = {"placed_at": at - timedelta(days=3), "started_at": at - timedelta(days=2)}
    if kind in ("ok", "late"):
        values.update(status="completed", completed_at=at, was_overdue=kind == "late")
    elif kind == "failed":
        values.update(status="cancelled", cancelled_at=at, counts_against_seller=True, cancel_reason="seller_busy")
    elif kind == "neutral":
        values.update(status="cancelled", cancelled_at=at, cancel_reason="buyer_quick_cancel")
    elif kind == "auto":
        values.update(
            status="cancelled",
            cancelled_at=at,
            counts_against_seller=True,
            auto_cancelled=True,
            cancel_reason=AUTO_UNACCEPTED,
            started_at=None,
        )
    values.update(fields)
    Order.objects.filter(pk=order.pk).update(**values)
    order = Order.objects.get(pk=order.pk)
    if feedback is not None:
        from ratings.models import Feedback

        Feedback.objects.create(
            order=order,
            kwork=kwork,
            seller=kwork.seller,
            buyer=buyer,
            is_positive=feedback,
            text="Good work, thank you very much.",
            created_at=at,
        )
    return order


def completed(**kwargs):
    """A real order completed by the buyer through the orders services."""
    order = delivered(**kwargs)
    return order_services.order_accept_delivery(order=order, buyer=order.buyer)


def cancelled_by_seller(reason="seller_busy", **kwargs):
    """A real new order the seller cancels at once (seller_busy counts against them)."""
    order = place(**kwargs)
    return order_services.cancellation_request_create(order=order, user=order.seller, reason=reason)


def quick_cancelled(**kwargs):
    order = place(**kwargs)
    return order_services.order_cancel_quick(order=order, buyer=order.buyer)
