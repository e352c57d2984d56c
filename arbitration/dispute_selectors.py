"""Reads of disputes for pages (O12, T6): support's queue, the case file, and the order page's dispute card. Each
costs a fixed number of queries whatever the size of the queue or the case."""

from django.apps import apps
from django.db.models import Count, Prefetch, Q
from django.http import Http404

from orders.models import CancellationRequest, Delivery, Order, OrderEvent, OrderMessage

from .disputes import decision_due
from .models import Dispute, DisputeStatement

ASSIGNMENT_FILTERS = (("", "Everyone's"), ("mine", "Taken by me"), ("unassigned", "Not taken yet"))


def disputes_for_queue(*, status, staff_user, assigned=""):
    """The queue, oldest first (the service level runs from opening)."""
    rows = Dispute.objects.filter(status=status).select_related(
        "order", "order__buyer", "order__seller", "opened_by", "assigned_to", "decided_by"
    )
    if assigned == "mine":
        rows = rows.filter(assigned_to=staff_user)
    elif assigned == "unassigned":
        rows = rows.filter(assigned_to__isnull=True)
    return rows.order_by("created_at", "id")


def with_due(disputes):
    for dispute in disputes:
        dispute.decision_due = decision_due(dispute.created_at)
    return disputes


def _statements():
    return Prefetch(
        "statements", queryset=DisputeStatement.objects.select_related("author").prefetch_related("files")
    )


def dispute_for_order(order):
    """The order page's dispute with its statements, files and proposals, or None."""
    return (
        Dispute.objects.filter(order_id=order.pk)
        .select_related("decided_by")
        .prefetch_related(_statements(), "proposals")
        .first()
    )


def _history(user_ids):
    """Both parties' record: orders as buyer and as seller by status, disputes opened and lost, penalties (when
    the accounts app has them). A fixed number of queries."""
    history = {pk: {"bought": {}, "sold": {}, "disputes": 0, "lost": 0, "penalties": []} for pk in user_ids}
    for side, field in (("bought", "buyer_id"), ("sold", "seller_id")):
        rows = Order.objects.filter(**{f"{field}__in": user_ids}).values(field, "status").annotate(n=Count("id"))
        for row in rows:
            history[row[field]][side][Order.Status(row["status"]).label] = row["n"]
    rows = Dispute.objects.filter(Q(order__buyer_id__in=user_ids) | Q(order__seller_id__in=user_ids)).values(
        "order__buyer_id", "order__seller_id", "loser"
    )
    for row in rows:
        for side, pk in (("buyer", row["order__buyer_id"]), ("seller", row["order__seller_id"])):
            if pk in history:
                history[pk]["disputes"] += 1
                history[pk]["lost"] += row["loser"] == side
    try:
        penalty = apps.get_model("accounts", "Penalty")
    except LookupError:
        penalty = None
    if penalty is not None:
        for row in penalty.objects.filter(user_id__in=user_ids).order_by("-created_at"):
            history[row.user_id]["penalties"].append(row)
    return history


def dispute_case(*, pk):
    """Everything support needs to decide, assembled: the dispute, the Kwork as ordered, requirements, every
    delivery with files and revision reasons, the whole chat, the timeline, cancellation requests, statements,
    proposals and both parties' history."""
    dispute = (
        Dispute.objects.select_related(
            "order", "order__buyer", "order__seller", "order__kwork", "assigned_to", "decided_by", "opened_by"
        )
        .prefetch_related(_statements(), "proposals")
        .filter(pk=pk)
        .first()
    )
    if dispute is None:
        raise Http404("No such dispute.")
    order = dispute.order
    dispute.decision_due = decision_due(dispute.created_at)
    buyer, seller = order.buyer, order.seller
    history = _history([buyer.pk, seller.pk])
    return {
        "dispute": dispute,
        "order": order,
        "snapshot": order.kwork_snapshot,
        "lines": list(order.lines.all()),
        "deliveries": list(Delivery.objects.filter(order=order).prefetch_related("files").order_by("created_at")),
        "chat": list(
            OrderMessage.objects.filter(order=order)
            .select_related("author")
            .prefetch_related("attachments")
            .order_by("created_at", "id")
        ),
        "events": list(
            OrderEvent.objects.filter(order=order).select_related("actor").order_by("created_at", "id")
        ),
        "cancellations": list(
            CancellationRequest.objects.filter(order=order).select_related("requested_by").order_by("created_at")
        ),
        "proposals": {p.side: p for p in dispute.proposals.all()},
        "statements": list(dispute.statements.all()),
        "parties": [("Buyer", buyer, history[buyer.pk]), ("Seller", seller, history[seller.pk])],
    }
