"""Presentation helpers of the order pages (owned by the UI, not the core): what this person may do now, the
escrow state in words, the manage-orders tabs. They only read; every rule is enforced again by services."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from common.money import format_cents
from payments import rules as payments_rules

from . import rules, selectors
from .models import Order

S = Order.Status

# The tabs of "Manage orders", in this order (names of selectors.STATE_FILTERS). Tabs of rare states are shown
# only when they hold an order.
STATE_TABS = (
    "active",
    "new",
    "in_progress",
    "overdue",
    "delivered",
    "in_arbitration",
    "completed",
    "cancelled",
    "all",
)
RARE_TABS = {"overdue", "in_arbitration"}


def state_tabs(counts):
    return [
        {"key": key, "label": selectors.STATE_FILTERS[key][0], "count": counts.get(key, 0)}
        for key in STATE_TABS
        if key not in RARE_TABS or counts.get(key)
    ]


@dataclass(frozen=True)
class EscrowState:
    code: str
    label: str
    help: str


def escrow_state(order):
    hold = order.escrow_hold
    if hold is None:
        return EscrowState("none", "Not paid", "The order has no money in escrow.")
    status = hold.status
    if status == hold.Status.HELD:
        return EscrowState(
            "held",
            f"{format_cents(hold.amount_cents)} held in escrow",
            "Paid by the buyer and kept safe: the seller is paid when the buyer accepts the work.",
        )
    if status == hold.Status.RELEASED:
        return EscrowState("released", "Paid to the seller", "The escrow was released when the order completed.")
    if status == hold.Status.REFUNDED:
        return EscrowState(
            "refunded", "Refunded to the buyer", "The whole amount went back to the buyer's balance."
        )
    return EscrowState(
        "split",
        "Split by arbitration",
        f"{format_cents(hold.refund_cents)} went back to the buyer, the rest to the seller.",
    )


def seller_share_cents(order):
    return payments_rules.seller_share_cents(order.total_cents)


def reason_note(reason):
    """O9/O10 in words, for the list of reasons offered."""
    other = "the seller" if reason.side == rules.BUYER else "the buyer"
    if reason.confirm:
        how = f"{other.capitalize()} confirms (or it is confirmed automatically after {rules.RESPOND_DAYS} days)"
    else:
        how = "Cancelled at once"
    rating = "counts against the seller's rating" if reason.counts_against_seller else "no effect on ratings"
    return f"{how}; {rating}."


def page_version(order, pending):
    """What the order page shows beyond the chat: when it changes (the other side started, delivered, asked to
    cancel…), the chat's 15-second refresh reloads the whole page."""
    return version_of(order.status, pending.pk if pending else None)


def version_of(status, pending_pk):
    """page_version from the two values alone (the chat's refresh reads them without loading the order)."""
    return f"{status}-{pending_pk or 0}"


def reason_rows(form, reasons):
    """[(radio, note)] of a CancelForm's reason field, each radio with its O9/O10 note."""
    if form is None:
        return []
    notes = {reason.code: reason_note(reason) for reason in reasons}
    return [(radio, notes.get(str(radio.data["value"]), "")) for radio in form["reason"]]


@dataclass
class PageActions:
    """What the person looking at the order may do now (selectors.order_actions, plus what the page needs to
    word it). Buttons only; the services check everything again."""

    can_send_requirements: bool = False
    can_start: bool = False
    can_deliver: bool = False
    can_review: bool = False
    can_quick_cancel: bool = False
    can_message: bool = False
    overdue_reason: str = ""
    due_if_started: datetime | None = None
    quick_cancel_until: datetime | None = None


OVERDUE_REASON = next(code for code, reason in rules.CANCEL_REASONS.items() if reason.only_overdue)


def page_actions(*, order, user, reasons=(), pending):
    """`reasons`: selectors.cancellation_reasons_for(order=, user=) — the overdue one gets its own button (O5);
    `pending`: the open cancellation request or None."""
    allowed = selectors.order_actions(order=order, user=user, pending=pending)
    actions = PageActions(
        # The requirements form is shown until they are sent; later changes go through the chat.
        can_send_requirements="requirements" in allowed and not order.requirements_sent_at,
        can_start="start" in allowed,
        can_deliver="deliver" in allowed,
        can_review="accept" in allowed,
        can_quick_cancel="quick_cancel" in allowed,
        can_message="message" in allowed and order.status != S.CANCELLED,
        overdue_reason=OVERDUE_REASON if any(r.code == OVERDUE_REASON for r in reasons) else "",
        quick_cancel_until=order.quick_cancel_until,
    )
    if actions.can_start:
        actions.due_if_started = timezone.now() + timedelta(days=order.lead_time_days)
    return actions


def needs_action(order, role, pending):
    """What this side has to do on the order (a hint in the lists and on the page), or "". `pending`: the open
    cancellation request or None."""
    if pending is not None and pending.side != role:
        return "Answer the cancellation request"
    status = order.status
    if role == rules.SELLER:
        if status == S.NEW:
            return "Start working"
        if status == S.IN_PROGRESS:
            return "Deliver (overdue)" if order.is_overdue else "Deliver"
    else:
        if status == S.DELIVERED:
            return "Review the delivery"
        if status == S.NEW and not order.requirements_sent_at:
            return "Send requirements"
    return ""


@dataclass
class ListRow:
    order: Order
    needs_action: str
    deadline: datetime | None
    deadline_label: str
    finished_at: datetime | None


DEADLINE_LABELS = {
    S.NEW: "Seller starts by",
    S.IN_PROGRESS: "Due",
    S.DELIVERED: "Review until",
}


def list_row(order, role):
    finished = None
    label = DEADLINE_LABELS.get(order.status, "")
    if order.status == S.COMPLETED:
        finished, label = order.completed_at, "Completed"
    elif order.status == S.CANCELLED:
        finished, label = order.cancelled_at, "Cancelled"
    return ListRow(
        order=order,
        needs_action=needs_action(order, role, next(iter(getattr(order, "pending_requests", ())), None)),
        deadline=order.current_deadline,
        deadline_label=label,
        finished_at=finished,
    )
