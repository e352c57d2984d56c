"""Reads of the orders app for views. Lookups take the user, so someone else's order is a 404; lists use
select_related/prefetch_related so the query count does not grow with the number of orders."""

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from . import rules
from .models import CancellationRequest, Delivery, Order, OrderEvent, OrderMessage

S = Order.Status
BUYER, SELLER = rules.BUYER, rules.SELLER

# The tabs of the "Manage orders" pages: name → (label, filter).
STATE_FILTERS = {
    "active": ("Active", Q(status__in=[S.NEW, S.IN_PROGRESS, S.DELIVERED, S.IN_ARBITRATION])),
    "new": ("New", Q(status=S.NEW)),
    "in_progress": ("In progress", Q(status=S.IN_PROGRESS)),
    "overdue": ("Overdue", Q(status=S.IN_PROGRESS, overdue_at__isnull=False)),
    "delivered": ("Delivered", Q(status=S.DELIVERED)),
    "in_arbitration": ("In arbitration", Q(status=S.IN_ARBITRATION)),
    "completed": ("Completed", Q(status=S.COMPLETED)),
    "cancelled": ("Cancelled", Q(status=S.CANCELLED)),
    "all": ("All", Q()),
}
DEFAULT_FILTER = "active"


def _base():
    return Order.objects.select_related("buyer", "seller", "kwork", "escrow_hold")


def order_get_for(*, user, pk):
    """The order if `user` is its buyer or seller, else Http404 (staff use the admin)."""
    if user is None or not user.is_authenticated:
        raise Http404("No such order.")
    try:
        return _base().filter(Q(buyer=user) | Q(seller=user)).get(pk=pk)
    except (Order.DoesNotExist, ValueError, TypeError):
        raise Http404("No such order.") from None


def _role_q(user, role):
    if role == BUYER:
        return Q(buyer=user)
    if role == SELLER:
        return Q(seller=user)
    raise ValueError(f"role must be {BUYER!r} or {SELLER!r}")


def orders_for(*, user, role, state_filter=DEFAULT_FILTER):
    """The user's orders as buyer or seller, filtered by one of STATE_FILTERS (unknown names → the default),
    newest first, with lines and the open cancellation request prefetched (constant queries)."""
    _, condition = STATE_FILTERS.get(state_filter, STATE_FILTERS[DEFAULT_FILTER])
    return (
        _base()
        .filter(_role_q(user, role))
        .filter(condition)
        .prefetch_related(
            "lines",
            Prefetch(
                "cancellation_requests",
                queryset=CancellationRequest.objects.filter(status=CancellationRequest.Status.PENDING),
                to_attr="pending_requests",
            ),
        )
        .order_by("-placed_at", "-pk")
    )


def state_counts(*, user, role):
    """{filter name: number of orders} for the tabs, in one query."""
    aggregates = {name: Count("pk", filter=condition) for name, (_, condition) in STATE_FILTERS.items()}
    return Order.objects.filter(_role_q(user, role)).aggregate(**aggregates)


def action_counts(*, user, role):
    """What needs this person's action now, as {what: count} plus "total".

    Seller: "to_start" (new), "to_deliver" (in progress), "overdue", "cancellations" (requests to answer).
    Buyer: "requirements" (new orders without requirements), "to_review" (delivered), "cancellations"."""
    mine = _role_q(user, role)
    if role == SELLER:
        counts = Order.objects.filter(mine).aggregate(
            to_start=Count("pk", filter=Q(status=S.NEW)),
            to_deliver=Count("pk", filter=Q(status=S.IN_PROGRESS)),
            overdue=Count("pk", filter=Q(status=S.IN_PROGRESS, overdue_at__isnull=False)),
        )
        other_side = BUYER
        order_q = Q(order__seller=user)
    else:
        counts = Order.objects.filter(mine).aggregate(
            requirements=Count("pk", filter=Q(status=S.NEW, requirements_sent_at__isnull=True)),
            to_review=Count("pk", filter=Q(status=S.DELIVERED)),
        )
        other_side = SELLER
        order_q = Q(order__buyer=user)
    counts["cancellations"] = CancellationRequest.objects.filter(
        order_q, side=other_side, status=CancellationRequest.Status.PENDING
    ).count()
    if role == SELLER:
        counts["total"] = counts["to_start"] + counts["to_deliver"] + counts["cancellations"]
    else:
        counts["total"] = counts["requirements"] + counts["to_review"] + counts["cancellations"]
    return counts


def order_timeline(order):
    """O14: the order's history, oldest first, with who acted."""
    return OrderEvent.objects.filter(order=order).select_related("actor").order_by("created_at", "pk")


def order_messages(order, *, since=None):
    """The order chat, oldest first, with authors and attachments (optionally only after `since`)."""
    qs = OrderMessage.objects.filter(order=order)
    if since is not None:
        qs = qs.filter(created_at__gt=since)
    return qs.select_related("author").prefetch_related("attachments").order_by("created_at", "pk")


def order_deliveries(order):
    return Delivery.objects.filter(order=order).prefetch_related("files").order_by("created_at", "pk")


def order_lines(order):
    return order.lines.all()


def pending_cancellation(order):
    """The cancellation request waiting for an answer, or None."""
    return (
        CancellationRequest.objects.filter(order=order, status=CancellationRequest.Status.PENDING)
        .select_related("requested_by")
        .first()
    )


def cancellation_history(order):
    return CancellationRequest.objects.filter(order=order).select_related("requested_by").order_by("created_at")


def order_actions(*, order, user):
    """The actions available to `user` on `order` now, as a set of names the page shows buttons for:
    "requirements", "start", "deliver", "accept", "revision", "quick_cancel", "cancel", "answer_cancellation",
    "withdraw_cancellation", "message"."""
    side = order.party_of(user)
    if side is None:
        return set()
    actions = {"message"}
    pending = pending_cancellation(order)
    now = timezone.now()
    if side == BUYER:
        if order.status in (S.NEW, S.IN_PROGRESS):
            actions.add("requirements")
            if now < order.quick_cancel_until:
                actions.add("quick_cancel")
        if order.status == S.DELIVERED:
            actions |= {"accept", "revision"}
    else:
        if order.status == S.NEW and now < order.accept_by:
            actions.add("start")
        if order.status == S.IN_PROGRESS:
            actions.add("deliver")
    if pending is not None:
        actions.add("withdraw_cancellation" if pending.side == side else "answer_cancellation")
    elif order.status in (S.NEW, S.IN_PROGRESS):
        actions.add("cancel")
    return actions
