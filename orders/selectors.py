"""Reads of the orders app for views. Lookups take the user, so someone else's order is a 404; lists use
select_related/prefetch_related so the query count does not grow with the number of orders."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Count, F, Max, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from marketplace.models import Kwork

from . import rules
from .downloads import is_inline_image
from .models import CancellationRequest, Delivery, Order, OrderEvent, OrderMessage

S = Order.Status
BUYER, SELLER = rules.BUYER, rules.SELLER

ACTIVE_STATES = (S.NEW, S.IN_PROGRESS, S.DELIVERED, S.IN_ARBITRATION)
# The tabs of the "Manage orders" pages: name → (label, filter).
STATE_FILTERS = {
    "active": ("Active", Q(status__in=ACTIVE_STATES)),
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

ACCEPT_PASSED = (
    f"The {rules.ACCEPT_HOURS} hours to start this order have passed; it is being cancelled automatically."
)

# Why an action is refused in a given state (services raise these; the reasons offered below use them too).
STATE_REFUSALS = {
    S.NEW: "Work on this order has not started yet.",
    S.IN_PROGRESS: "This order is already in progress.",
    S.DELIVERED: "The work on this order has already been delivered.",
    S.COMPLETED: "This order is already completed.",
    S.CANCELLED: "This order has been cancelled.",
    S.IN_ARBITRATION: "This order is in arbitration: support will decide what happens next.",
}


def _base():
    return Order.objects.select_related("buyer", "seller", "kwork", "escrow_hold")


def order_get_for(*, user, pk):
    """The order if `user` is its buyer or seller, else Http404 (staff use the admin). Without its Kwork: the order
    page links to it by id and shows its instructions only until the requirements are sent, and the Kwork's row
    (its description and search vector) cost more to read and build than anything else the page reads."""
    if user is None or not user.is_authenticated:
        raise Http404("No such order.")
    try:
        return (
            Order.objects.select_related("buyer", "seller", "escrow_hold")
            .filter(Q(buyer=user) | Q(seller=user))
            .get(pk=pk)
        )
    except (Order.DoesNotExist, ValueError, TypeError):
        raise Http404("No such order.") from None


def kwork_to_order(*, pk):
    """The Kwork an "Order now" form posts to, or Http404 (whether it may be ordered is the service's check)."""
    try:
        return Kwork.objects.select_related("seller").get(pk=pk)
    except (Kwork.DoesNotExist, ValueError, TypeError):
        raise Http404("No such Kwork.") from None


def cancellation_request_get(*, order, pk):
    """A cancellation request of `order` (already looked up for the user), or Http404."""
    try:
        return order.cancellation_requests.get(pk=pk)
    except (CancellationRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("No such cancellation request.") from None


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


@dataclass
class ListPage:
    """A keyset page of "Manage orders": `rows` newest first, and the order ids the "newer" and "older" links
    carry (None when there is nothing that way)."""

    rows: list
    newer_than: int | None
    older_than: int | None


def orders_page(*, user, role, state_filter=DEFAULT_FILTER, before=None, after=None):
    """LIST_PAGE_SIZE of the user's orders, newest first, older than the order id `before` or newer than `after`.
    Keyset on (placed_at, id): a range scan of the (party, placed_at, id) index that stops after a page, however
    many orders the person has (no OFFSET, no COUNT). A cursor that is not one of the person's orders gives the
    first page."""
    size = rules.LIST_PAGE_SIZE
    orders = orders_for(user=user, role=role, state_filter=state_filter)
    cursor_pk = before or after
    cursor = None
    if cursor_pk:
        cursor = (
            Order.objects.filter(_role_q(user, role), pk=cursor_pk).values_list("placed_at", flat=True).first()
        )
    if cursor is None:
        rows = list(orders[: size + 1])
        return ListPage(
            rows=rows[:size], newer_than=None, older_than=rows[size - 1].pk if len(rows) > size else None
        )
    if before:
        rows = list(orders.filter(Q(placed_at__lt=cursor) | Q(pk__lt=before), placed_at__lte=cursor)[: size + 1])
        more_older = len(rows) > size
        rows = rows[:size]
        return ListPage(
            rows=rows,
            newer_than=rows[0].pk if rows else None,
            older_than=rows[-1].pk if more_older else None,
        )
    rows = list(
        orders.filter(Q(placed_at__gt=cursor) | Q(pk__gt=after), placed_at__gte=cursor).order_by(
            "placed_at", "pk"
        )[: size + 1]
    )
    more_newer = len(rows) > size
    rows = rows[:size][::-1]
    return ListPage(
        rows=rows,
        newer_than=rows[0].pk if more_newer else None,
        older_than=rows[-1].pk if rows else None,
    )


def _active_counts(user, role):
    """Counts over the person's active orders only (new, in progress, delivered): bounded by the work at hand, not
    by their history. One query through the (party, status, placed) index."""
    return Order.objects.filter(_role_q(user, role), status__in=[S.NEW, S.IN_PROGRESS, S.DELIVERED]).aggregate(
        new=Count("pk", filter=Q(status=S.NEW)),
        in_progress=Count("pk", filter=Q(status=S.IN_PROGRESS)),
        overdue=Count("pk", filter=Q(status=S.IN_PROGRESS, overdue_at__isnull=False)),
        delivered=Count("pk", filter=Q(status=S.DELIVERED)),
        requirements=Count("pk", filter=Q(status=S.NEW, requirements_sent_at__isnull=True)),
    )


def state_counts(*, user, role):
    """{filter name: number of orders} for the tabs: one COUNT grouped by status over the person's part of the
    (party, status) index (no table rows read when the index covers it), and the overdue ones among the active."""
    by_status = dict(
        Order.objects.filter(_role_q(user, role)).order_by().values_list("status").annotate(n=Count("*"))
    )
    counts = {name: by_status.get(name, 0) for name in S.values}
    counts["overdue"] = _active_counts(user, role)["overdue"] if by_status.get(S.IN_PROGRESS) else 0
    counts["active"] = sum(by_status.get(status, 0) for status in ACTIVE_STATES)
    counts["all"] = sum(by_status.values())
    return {name: counts.get(name, 0) for name in STATE_FILTERS}


def action_counts(*, user, role):
    """What needs this person's action now, as {what: count} plus "total".

    Seller: "to_start" (new), "to_deliver" (in progress), "overdue", "cancellations" (requests to answer).
    Buyer: "requirements" (new orders without requirements), "to_review" (delivered), "cancellations"."""
    active = _active_counts(user, role)
    if role == SELLER:
        counts = {"to_start": active["new"], "to_deliver": active["in_progress"], "overdue": active["overdue"]}
        other_side = BUYER
        order_q = Q(order__seller=user)
    else:
        counts = {"requirements": active["requirements"], "to_review": active["delivered"]}
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


@dataclass
class Slice:
    """A bounded page of one of the order page's growing sections, oldest first: `rows`, whether earlier rows
    exist, and the ids that the "earlier" and "new since" requests carry."""

    rows: list
    has_earlier: bool
    earlier_page: bool = False  # an earlier page was asked for (the page links back to the latest)

    @property
    def first_id(self):
        return self.rows[0].pk if self.rows else 0

    @property
    def last_id(self):
        return self.rows[-1].pk if self.rows else 0


def _latest(queryset, *, size, before=None):
    """The `size` rows with the highest ids (below `before`), oldest first: a backward range scan of an index
    starting with the order, so the cost is the page's, not the order's history."""
    if before:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset.order_by("-pk")[: size + 1])
    return Slice(rows=rows[:size][::-1], has_earlier=len(rows) > size, earlier_page=bool(before))


def _with_parties(order, rows, name):
    """Sets each row's user field `name` (a message's author, an event's actor) from the order's buyer and seller,
    which the page has loaded with the order, rather than joining and building the same two users again for every
    row. Anyone else (support acting on the order), or a party the order was read without, comes in one query."""
    if not rows:
        return rows
    field = rows[0]._meta.get_field(name)
    known = {}
    for party in (Order.buyer.field, Order.seller.field):
        if party.is_cached(order):
            user = party.get_cached_value(order)
            known[user.pk] = user
    missing = {getattr(row, field.attname) for row in rows} - known.keys() - {None}
    if missing:
        known.update(field.related_model.objects.in_bulk(missing))
    for row in rows:
        user_id = getattr(row, field.attname)
        field.set_cached_value(row, known.get(user_id) if user_id is not None else None)
    return rows


def _chat_rows(order):
    # Files as a plain list on each message (`files`): prefetching into the related manager builds a queryset
    # per message, about a millisecond for a page of 30.
    return OrderMessage.objects.filter(order=order).prefetch_related(Prefetch("attachments", to_attr="files"))


def chat_page(order, *, before=None):
    """The latest CHAT_PAGE_SIZE messages of the order chat (or those before the message id `before`)."""
    page = _latest(_chat_rows(order), size=rules.CHAT_PAGE_SIZE, before=before)
    _with_parties(order, page.rows, "author")
    return page


def chat_after(order, *, after):
    """The refresh: messages after the last id the page has, oldest first, at most a page (the next refresh
    brings the rest)."""
    rows = list(_chat_rows(order).filter(pk__gt=after).order_by("pk")[: rules.CHAT_PAGE_SIZE])
    return _with_parties(order, rows, "author")


@dataclass(frozen=True)
class ChatPoll:
    status: str
    pending_pk: int | None
    has_new: bool


_CHAT_POLL_SQL = """SELECT o.status,
    (SELECT c.id FROM orders_cancellationrequest c WHERE c.order_id = o.id AND c.status = %s LIMIT 1),
    EXISTS (SELECT 1 FROM orders_ordermessage m WHERE m.order_id = o.id AND m.id > %s)
FROM orders_order o WHERE o.id = %s AND (o.buyer_id = %s OR o.seller_id = %s)"""


def chat_poll(*, user, pk, after):
    """What the chat's refresh needs to know, in one query: the order's status and open cancellation request (what
    the rest of the page depends on) and whether a message newer than `after` exists. Http404 when `user` is not
    a party, as for the page. Hand-written SQL: every open order tab asks every 15 seconds, and compiling the
    query with the ORM cost more than the database's three index look-ups (at most one pending request: a
    unique partial index)."""
    if user is None or not user.is_authenticated:
        raise Http404("No such order.")
    with connection.cursor() as cursor:
        cursor.execute(_CHAT_POLL_SQL, [CancellationRequest.Status.PENDING.value, after, pk, user.pk, user.pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such order.")
    status, pending_pk, has_new = row
    return ChatPoll(status, pending_pk, bool(has_new))


def timeline_page(order, *, before=None):
    """O14: the latest TIMELINE_PAGE_SIZE events of the history (or those before the event id `before`)."""
    page = _latest(OrderEvent.objects.filter(order=order), size=rules.TIMELINE_PAGE_SIZE, before=before)
    _with_parties(order, page.rows, "actor")
    return page


def deliveries_page(order, *, before=None):
    """The latest DELIVERIES_PAGE_SIZE deliveries (or those before the id `before`), each numbered from the
    order's first delivery (`number`), with their files. An order never delivered (the first delivery sets
    `delivered_at`, which nothing clears) has none to read."""
    if order.delivered_at is None:
        return Slice(rows=[], has_earlier=False, earlier_page=bool(before))
    deliveries = (
        Delivery.objects.filter(order=order)
        .annotate(number=Window(RowNumber(), order_by=F("pk").asc()))
        .prefetch_related(Prefetch("files", to_attr="file_list"))
    )
    page = _latest(deliveries, size=rules.DELIVERIES_PAGE_SIZE, before=before)
    for delivery in page.rows:
        for delivered_file in delivery.file_list:
            delivered_file.previewable = is_inline_image(delivered_file.name)
    return page


def order_messages(order, *, since=None):
    """The order chat, oldest first, with authors and attachments (optionally only after `since`)."""
    qs = OrderMessage.objects.filter(order=order)
    if since is not None:
        qs = qs.filter(created_at__gt=since)
    return qs.select_related("author").prefetch_related("attachments").order_by("created_at", "pk")


def order_deliveries(order):
    return Delivery.objects.filter(order=order).prefetch_related("files").order_by("created_at", "pk")


def kwork_instructions(order):
    """What the seller asks the buyer for before starting (the Kwork's instructions)."""
    return Kwork.objects.filter(pk=order.kwork_id).values_list("instructions", flat=True).first() or ""


def order_lines(order):
    return order.lines.all()


# A cancellation request is asked in these states only, and lapses when the order leaves them
# (services.common.lapse_pending_requests): in any other state there is none to look for.
REQUESTABLE_STATES = (S.NEW, S.IN_PROGRESS)


def _pending_requests(order):
    """The order's cancellation request waiting for an answer, as a queryset (empty, asking nothing, where the
    order's state allows none)."""
    if order.status not in REQUESTABLE_STATES:
        return CancellationRequest.objects.none()
    return CancellationRequest.objects.filter(order=order, status=CancellationRequest.Status.PENDING)


def pending_cancellation(order):
    """The cancellation request waiting for an answer, or None."""
    return _pending_requests(order).select_related("requested_by").first()


def cancellation_history(order):
    return CancellationRequest.objects.filter(order=order).select_related("requested_by").order_by("created_at")


_UNKNOWN = object()


def order_actions(*, order, user, pending=_UNKNOWN):
    """The actions available to `user` on `order` now, as a set of names the page shows buttons for:
    "requirements", "start", "deliver", "accept", "revision", "quick_cancel", "cancel", "answer_cancellation",
    "withdraw_cancellation", "message". `pending`: the open cancellation request or None, when the caller has
    read it already."""
    side = order.party_of(user)
    if side is None:
        return set()
    actions = {"message"}
    if pending is _UNKNOWN:
        pending = pending_cancellation(order)
    now = timezone.now()
    if side == BUYER:
        if order.status in (S.NEW, S.IN_PROGRESS):
            actions.add("requirements")
        if order.buyer_can_quick_cancel:
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


def in_progress_count(*, seller):
    """C11(b): the seller's orders in progress."""
    return Order.objects.filter(seller=seller, status=S.IN_PROGRESS).count()


def has_pending_cancellation(order):
    return _pending_requests(order).exists()


def _other_is_silent(order, user, now):
    """ "No answer for 24 h": the other party has not written in the order chat for NO_REPLY_HOURS (and the order
    is at least that old)."""
    other_id = order.seller_id if user.pk == order.buyer_id else order.buyer_id
    last = OrderMessage.objects.filter(order=order, author_id=other_id).aggregate(last=Max("created_at"))["last"]
    since = max(filter(None, [last, order.started_at, order.placed_at]))
    return now - since >= timedelta(hours=rules.NO_REPLY_HOURS)


def cancellation_reason_refusal(*, order, user, reason, now):
    """Why `user` may not cancel `order` for `reason` (a rules.CancelReason) now, or None."""
    side = order.party_of(user)
    if reason.side != side:
        return "This cancellation reason is not available to you."
    if order.status not in reason.states:
        if order.status in (S.NEW, S.IN_PROGRESS):
            if reason.states == (S.NEW,):
                return "This reason can only be chosen before work starts."
            return "This reason can only be chosen while the order is in progress."
        return STATE_REFUSALS[order.status]
    if reason.only_overdue and not order.is_overdue:
        return "You can cancel for lateness only once the order is overdue."
    if reason.needs_silence and not _other_is_silent(order, user, now):
        other = "seller" if side == BUYER else "buyer"
        return (
            f"The {other} wrote less than {rules.NO_REPLY_HOURS} hours ago; this reason is available after "
            f"{rules.NO_REPLY_HOURS} hours without an answer."
        )
    return None


def cancellation_reasons_for(*, order, user, pending=_UNKNOWN):
    """The O9/O10 reasons `user` may choose for `order` now (empty for others and finished orders; while a
    request is waiting for an answer, only the buyer's "not done on time" once the order is overdue).
    `pending`: the open cancellation request or None, when the caller has read it already."""
    if order.party_of(user) is None or order.status not in REQUESTABLE_STATES:
        return []
    pending = has_pending_cancellation(order) if pending is _UNKNOWN else pending is not None
    now = timezone.now()
    return [
        r
        for r in rules.CANCEL_REASONS.values()
        if (not pending or r.only_overdue)  # O5: lateness cancels at once even under an open request
        and cancellation_reason_refusal(order=order, user=user, reason=r, now=now) is None
    ]
