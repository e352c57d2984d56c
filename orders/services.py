"""Every write of the orders app (SPEC O1–O10, O13, O14, M3, M5, C5, C11b). Views, admin, tasks and other apps
call these functions; nothing else calls a transition of `Order`.

Each use case: keyword-only arguments, one `transaction.atomic`, the order row locked first (`select_for_update`,
then the escrow hold and ledger accounts inside payments — always in that order), who-may-act and state checks
that raise `DomainError` with a message for the user before anything is written, then the transition, an
`OrderEvent` (O14), the money (escrow_refund on every cancellation, escrow_release on completion) and
notifications to the other party (A11 kinds "new_order", "order_status", "new_message", "cancellation_request").

Timer sweeps (O3, O5, O6, O8) lock a batch of due orders with one indexed range scan
`select_for_update(skip_locked=True)` and settle it in one short transaction with bulk writes and payments'
batch escrow API; O9/O10 auto-confirmation takes each request in its own transaction. Two sweeps at once never
act on the same order, and a sweep killed midway loses nothing and doubles nothing when run again.

Public API:
    order_place(*, buyer, kwork, quantity=1, option_ids=(), package=None) -> Order
    cart_checkout(*, buyer, item_ids=None) -> list[Order]
    order_requirements_send(*, order, buyer, text, files=()) -> Order
    order_start(*, order, seller) -> Order
    order_deliver(*, order, seller, message, files=()) -> Delivery
    order_accept_delivery(*, order, buyer) -> Order
    order_request_revision(*, order, buyer, reason) -> Order
    order_cancel_quick(*, order, buyer) -> Order
    cancellation_reasons_for(*, order, user) -> list[rules.CancelReason]
    cancellation_request_create(*, order, user, reason, comment="") -> CancellationRequest | Order
    cancellation_request_answer(*, request, user, accept) -> CancellationRequest
    cancellation_request_withdraw(*, request, user) -> CancellationRequest
    order_cancel_by_staff(*, order, staff_user, reason) -> Order
    order_message_send(*, order, author, text, files=()) -> OrderMessage
    order_open_arbitration(*, order, user, description) -> Order                      (O12, for arbitration)
    order_arbitration_resolve(*, order, staff_user, refund_cents, reasoning) -> Order  (O12, for arbitration)
    orders_autocancel_unaccepted / orders_mark_overdue / orders_autocomplete / orders_cancel_inactive /
    cancellation_requests_autoconfirm (*, now=None, batch_size=500) -> int (orders or requests handled)
"""

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from accounts import roles as account_roles
from accounts import services as account_services
from common.contacts import ensure_no_contacts
from common.errors import DomainError
from common.money import format_cents
from common.uploads import validate_attachment
from marketplace import services as marketplace_services
from marketplace.models import CartItem
from marketplace.pricing import price_quote
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.models import EscrowHold

from . import rules
from .models import (
    CancellationRequest,
    Delivery,
    DeliveryFile,
    Order,
    OrderAttachment,
    OrderEvent,
    OrderLine,
    OrderMessage,
)

logger = logging.getLogger(__name__)
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
AUTO_COMPLETE_REASON = "Accepted automatically after 3 days without an answer"

STATE_REFUSALS = {
    S.NEW: "Work on this order has not started yet.",
    S.IN_PROGRESS: "This order is already in progress.",
    S.DELIVERED: "The work on this order has already been delivered.",
    S.COMPLETED: "This order is already completed.",
    S.CANCELLED: "This order has been cancelled.",
    S.IN_ARBITRATION: "This order is in arbitration: support will decide what happens next.",
}


# --- helpers ------------------------------------------------------------------------------------------------


def _now():
    return timezone.now()


def _locking_orders(*, skip_locked=False):
    """Orders with their people and hold, locking only the order rows (FOR UPDATE OF on PostgreSQL)."""
    qs = Order.objects.select_related("buyer", "seller", "escrow_hold")
    if transaction.get_connection().features.has_select_for_update_of:
        return qs.select_for_update(skip_locked=skip_locked, of=("self",))
    return qs.select_for_update(skip_locked=skip_locked)


def _lock(order):
    """The order's row, locked, fresh from the database (with the people and the hold for what follows)."""
    return _locking_orders().get(pk=order.pk if isinstance(order, Order) else order)


def _refuse_state(order, *allowed):
    if order.status not in allowed:
        raise DomainError(STATE_REFUSALS[order.status])


def _require_buyer(order, user, action):
    if user is None or user.pk != order.buyer_id:
        raise DomainError(f"Only the buyer can {action}.")


def _require_seller(order, user, action):
    if user is None or user.pk != order.seller_id:
        raise DomainError(f"Only the seller can {action}.")


def _event(order, *, kind, actor=None, from_status="", to_status="", reason="", now=None):
    return OrderEvent.objects.create(
        order=order,
        actor=actor,
        kind=kind,
        from_status=from_status or "",
        to_status=to_status or "",
        reason=reason,
        created_at=now or _now(),
    )


@lru_cache(maxsize=1)
def _order_url_template():
    marker = 918273645
    return reverse("orders:detail", args=[marker]).replace(str(marker), "{pk}")


_batch = threading.local()


@contextmanager
def _notifications_batched():
    """Inside a sweep batch, notifications are collected and written with one INSERT at the end."""
    _batch.items = []
    try:
        yield
        if _batch.items:
            account_services.notifications_send_many(notifications=_batch.items)
    finally:
        _batch.items = None


def _notify(user, *, kind, title, body="", order):
    url = _order_url_template().format(pk=order.pk)  # = order.get_absolute_url(), without a reverse() per call
    item = {"user": user, "kind": kind, "title": title, "body": body, "url": url}
    if getattr(_batch, "items", None) is not None:
        _batch.items.append(item)
    else:
        account_services.notifications_send_many(notifications=[item])


def _persist_batch(orders, fields, *, from_states):
    """Write a batch's transition with ONE UPDATE: every order of a sweep batch gets the same new values (the
    transitions already ran in memory, so django-fsm checked each source state). The UPDATE is filtered by the
    source states too, and must touch every row: the orders are locked, so anything else is a bug."""
    first = orders[0]
    values = {name: getattr(first, name) for name in fields}
    if any(getattr(o, name) != values[name] for o in orders for name in fields):
        raise RuntimeError("sweep batch: the orders of one batch must get the same values")
    written = Order.objects.filter(pk__in=[o.pk for o in orders], status__in=from_states).update(**values)
    if written != len(orders):
        raise RuntimeError(f"sweep batch: {written} of {len(orders)} orders written")


def _clean_text(text, *, required_message, max_length, what):
    text = (text or "").strip()
    if not text:
        raise DomainError(required_message)
    if len(text) > max_length:
        raise DomainError(f"{what} is too long: at most {max_length:,} characters.")
    return text


def _check_files(files):
    files = [f for f in (files or ()) if f]
    if len(files) > rules.MAX_FILES_PER_MESSAGE:
        raise DomainError(f"You can attach at most {rules.MAX_FILES_PER_MESSAGE} files at once.")
    for upload in files:
        try:
            validate_attachment(upload)  # C6/M5: type by content, at most 4 MB
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    return files


def in_progress_count(seller):
    """C11(b): the seller's orders in progress."""
    return Order.objects.filter(seller=seller, status=S.IN_PROGRESS).count()


def _sync_autopause(order):
    """C11(b): the seller's in-progress count changed: let the marketplace pause or resume their Kworks."""
    marketplace_services.kwork_autopause_sync(
        seller=order.seller, in_progress_count=in_progress_count(order.seller)
    )


def _lapse_pending_requests(order, now):
    """A cancellation request still open when the order moves on (delivered, cancelled otherwise) lapses."""
    CancellationRequest.objects.filter(order=order, status=ReqStatus.PENDING).update(
        status=ReqStatus.LAPSED, answered_at=now
    )


def _cancel(order, *, now, by, actor, reason, counts_against_seller, auto=False, comment="", notify=None):
    """Cancel a locked order: transition, history, refund at once (P2), lapse open requests, C11b, notify."""
    from_status = order.status
    order.cancel(
        now=now,
        by=by,
        reason=reason,
        counts_against_seller=counts_against_seller,
        auto=auto,
        comment=comment,
    )
    order.save()
    label = rules.reason_label(reason)
    _event(
        order,
        kind=Event.CANCELLED,
        actor=actor,
        from_status=from_status,
        to_status=order.status,
        reason=f"{label}. {comment}".strip() if comment else label,
        now=now,
    )
    if order.escrow_hold_id and order.escrow_hold.status == EscrowHold.Status.HELD:
        payment_services.escrow_refund(hold=order.escrow_hold)
    _lapse_pending_requests(order, now)
    if from_status == S.IN_PROGRESS:
        _sync_autopause(order)
    people = (
        notify if notify is not None else [p for p in (order.buyer, order.seller) if actor is None or p != actor]
    )
    _notify_cancelled(order, people, label)
    return order


def _notify_cancelled(order, people, label):
    for person in people:
        refund = " The money has been returned to your balance." if person.pk == order.buyer_id else ""
        _notify(
            person,
            kind="order_status",
            title=f"Order #{order.pk} was cancelled",
            body=f"{label}.{refund}",
            order=order,
        )


# --- placing orders (O1, O13, C5) -----------------------------------------------------------------------------


def _place(*, buyer, kwork, quote, now):
    refusal = kwork.order_refusal(buyer)
    if refusal:
        raise DomainError(refusal)
    unit_line = quote.lines[0]
    order = Order.objects.create(
        buyer=buyer,
        seller=kwork.seller,
        kwork=kwork,
        title=kwork.title,
        quantity=quote.quantity,
        package_tier=quote.package.tier if quote.package else "",
        unit_price_cents=unit_line.unit_price_cents,
        total_cents=quote.total_cents,
        lead_time_days=quote.lead_time_days,
        accept_by=now + timedelta(hours=rules.ACCEPT_HOURS),
        placed_at=now,
        last_activity_at=now,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            kind=line.kind,
            title=line.title,
            unit_price_cents=line.unit_price_cents,
            quantity=line.quantity,
            amount_cents=line.amount_cents,
            option_id=line.option_id,
            package_id=line.package_id,
        )
        for line in quote.lines
    )
    # O1/P2: pay at once, the money held in escrow. InsufficientFunds rolls the order back.
    hold = payment_services.escrow_hold(
        buyer=buyer, amount_cents=quote.total_cents, reference=order.reference, idempotency_key=order.reference
    )
    order.escrow_hold = hold
    order.save(update_fields=["escrow_hold"])
    _event(order, kind=Event.PLACED, actor=buyer, to_status=order.status, now=now)
    _notify(
        kwork.seller,
        kind="new_order",
        title=f"New order #{order.pk}: {order.title}",
        body=f"Start work within {rules.ACCEPT_HOURS} hours, or the order is cancelled automatically.",
        order=order,
    )
    payment_services.referral_mark_active(user=buyer)
    return order


def order_place(*, buyer, kwork, quantity=1, option_ids=(), package=None):
    """O1/C5: price the choice, create the order with its lines, pay it from the balance into escrow, give the
    seller ACCEPT_HOURS to start. Raises payments.services.InsufficientFunds (with `missing_cents`) when the
    balance is short — nothing is created then — and DomainError for a choice that cannot be ordered."""
    account_services.ensure_email_confirmed(user=buyer, action="place an order")
    quote = price_quote(kwork=kwork, quantity=quantity, option_ids=option_ids, package=package)
    with transaction.atomic():
        return _place(buyer=buyer, kwork=kwork, quote=quote, now=_now())


def cart_checkout(*, buyer, item_ids=None):
    """O13: one order per cart item, all or nothing. With too little money, InsufficientFunds for the whole
    missing sum and nothing is bought; the bought items leave the cart."""
    account_services.ensure_email_confirmed(user=buyer, action="place an order")
    items = (
        CartItem.objects.filter(user=buyer)
        .select_related("kwork__seller", "package")
        .prefetch_related("options", "kwork__options", "kwork__packages")
    )
    if item_ids is not None:
        try:
            ids = {int(pk) for pk in item_ids}
        except (TypeError, ValueError):
            raise DomainError("Choose at least one item of your cart.") from None
        items = items.filter(pk__in=ids)
    items = list(items.order_by("added_at", "pk"))
    if not items:
        raise DomainError("Your cart is empty." if item_ids is None else "Choose at least one item of your cart.")
    quotes = []
    for item in items:
        refusal = item.kwork.order_refusal(buyer)
        if refusal:
            raise DomainError(f"“{item.kwork.title}”: {refusal}")
        try:
            quote = price_quote(
                kwork=item.kwork, quantity=item.quantity, option_ids=item.option_ids, package=item.package
            )
        except DomainError as exc:
            raise DomainError(f"“{item.kwork.title}”: {exc.message}") from exc
        quotes.append(quote)
    total = sum(q.total_cents for q in quotes)
    balance = payment_selectors.balance_of(buyer)
    if balance.main_cents + balance.bonus_cents < total:
        raise payment_services.InsufficientFunds(total - balance.main_cents - balance.bonus_cents)
    now = _now()
    with transaction.atomic():
        try:
            orders = [
                _place(buyer=buyer, kwork=item.kwork, quote=q, now=now)
                for item, q in zip(items, quotes, strict=True)
            ]
        except payment_services.InsufficientFunds:
            # The balance moved meanwhile: report the whole sum still missing (nothing was bought).
            balance = payment_selectors.balance_of(buyer)
            raise payment_services.InsufficientFunds(
                max(total - balance.main_cents - balance.bonus_cents, 1)
            ) from None
        CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    return orders


# --- the seller and buyer actions (O3–O7) -----------------------------------------------------------------


@transaction.atomic
def order_requirements_send(*, order, buyer, text, files=()):
    """The buyer sends what the seller needs to start (Kwork instructions). Also posted in the order chat."""
    order = _lock(order)
    _require_buyer(order, buyer, "send the requirements")
    _refuse_state(order, S.NEW, S.IN_PROGRESS)
    text = _clean_text(
        text,
        required_message="Please write what the seller needs to know.",
        max_length=rules.REQUIREMENTS_MAX_LENGTH,
        what="The requirements",
    )
    if order.status != S.IN_PROGRESS:
        ensure_no_contacts(text, what="Your requirements", field="text")  # M3
    files = _check_files(files)
    now = _now()
    order.requirements = text
    order.requirements_sent_at = now
    order.last_activity_at = now
    order.save(update_fields=["requirements", "requirements_sent_at", "last_activity_at"])
    _create_message(order, author=buyer, text=text, files=files, now=now)
    _event(order, kind=Event.REQUIREMENTS, actor=buyer, from_status=order.status, to_status=order.status, now=now)
    _notify(
        order.seller, kind="order_status", title=f"Order #{order.pk}: the buyer sent the requirements", order=order
    )
    return order


@transaction.atomic
def order_start(*, order, seller):
    """O3/O4 "Start working": due = now + the order's lead time (C5 already applied)."""
    order = _lock(order)
    _require_seller(order, seller, "start work on this order")
    _refuse_state(order, S.NEW)
    now = _now()
    if now >= order.accept_by:
        raise DomainError("The 24 hours to start this order have passed; it is being cancelled automatically.")
    order.start(now=now)
    order.save()
    _event(order, kind=Event.STARTED, actor=seller, from_status=S.NEW, to_status=order.status, now=now)
    _notify(
        order.buyer,
        kind="order_status",
        title=f"Order #{order.pk}: the seller started work",
        body=f"Due {order.due_at:%b %d, %Y %H:%M} UTC.",
        order=order,
    )
    _sync_autopause(order)
    return order


@transaction.atomic
def order_deliver(*, order, seller, message, files=()):
    """O6: the seller submits the result; the buyer has REVIEW_DAYS to accept it or ask for a revision."""
    order = _lock(order)
    _require_seller(order, seller, "deliver this order")
    _refuse_state(order, S.IN_PROGRESS)
    message = _clean_text(
        message,
        required_message="Please describe the result you deliver.",
        max_length=rules.DELIVERY_MAX_LENGTH,
        what="The delivery message",
    )
    files = _check_files(files)
    now = _now()
    delivery = Delivery.objects.create(order=order, message=message, created_at=now)
    for upload in files:
        DeliveryFile.objects.create(delivery=delivery, file=upload, name=upload.name[:200], size=upload.size)
    order.deliver(now=now)
    order.save()
    _event(order, kind=Event.DELIVERED, actor=seller, from_status=S.IN_PROGRESS, to_status=order.status, now=now)
    _lapse_pending_requests(order, now)
    _notify(
        order.buyer,
        kind="order_status",
        title=f"Order #{order.pk}: the work is delivered",
        body=f"Please accept it or ask for a revision within {rules.REVIEW_DAYS} days; "
        "after that the order completes automatically.",
        order=order,
    )
    _sync_autopause(order)
    return delivery


def _complete(order, *, now, actor, auto):
    from_status = order.status
    order.complete(now=now, auto=auto)
    order.save()
    _event(
        order,
        kind=Event.COMPLETED,
        actor=actor,
        from_status=from_status,
        to_status=order.status,
        reason=AUTO_COMPLETE_REASON if auto else "",
        now=now,
    )
    payment_services.escrow_release(hold=order.escrow_hold, seller=order.seller)  # O6/P3: 80 % / 20 %
    _notify_completed(order, [order.seller] if actor is not None else [order.seller, order.buyer])
    return order


def _notify_completed(order, people):
    for person in people:
        _notify(
            person,
            kind="order_status",
            title=f"Order #{order.pk} is completed",
            body="The payment has been released to the seller." if person == order.seller else "",
            order=order,
        )


@transaction.atomic
def order_accept_delivery(*, order, buyer):
    """O6: the buyer accepts the work: completed, the escrow pays the seller 80 % and the platform 20 %."""
    order = _lock(order)
    _require_buyer(order, buyer, "accept the work")
    _refuse_state(order, S.DELIVERED)
    return _complete(order, now=_now(), actor=buyer, auto=False)


@transaction.atomic
def order_request_revision(*, order, buyer, reason):
    """O6/O7: the buyer sends the delivery back for revision, with reasons; the order goes back to work."""
    order = _lock(order)
    _require_buyer(order, buyer, "ask for a revision")
    _refuse_state(order, S.DELIVERED)
    reason = _clean_text(
        reason,
        required_message="Please say what should be changed.",
        max_length=rules.REASON_MAX_LENGTH,
        what="The reason",
    )
    now = _now()
    delivery = order.deliveries.order_by("-created_at", "-pk").first()
    if delivery is not None:
        delivery.revision_requested_at = now
        delivery.revision_reason = reason
        delivery.save(update_fields=["revision_requested_at", "revision_reason"])
    order.request_revision(now=now)
    order.save()
    _event(
        order,
        kind=Event.REVISION,
        actor=buyer,
        from_status=S.DELIVERED,
        to_status=order.status,
        reason=reason,
        now=now,
    )
    _notify(
        order.seller, kind="order_status", title=f"Order #{order.pk}: revision requested", body=reason, order=order
    )
    _sync_autopause(order)
    return order


@transaction.atomic
def order_cancel_quick(*, order, buyer):
    """O2: within QUICK_CANCEL_MINUTES of paying (before delivery) the buyer cancels alone: refund at once,
    no rating effect."""
    order = _lock(order)
    _require_buyer(order, buyer, "cancel this order")
    _refuse_state(order, S.NEW, S.IN_PROGRESS)
    now = _now()
    if now >= order.quick_cancel_until:
        raise DomainError(
            f"The {rules.QUICK_CANCEL_MINUTES} minutes for cancelling on your own have passed. "
            "Choose a cancellation reason instead."
        )
    return _cancel(
        order,
        now=now,
        by=Order.Party.BUYER,
        actor=buyer,
        reason=rules.QUICK_CANCEL,
        counts_against_seller=False,
    )


# --- cancellation requests (O9, O10) ------------------------------------------------------------------------


def _other_is_silent(order, user, now):
    """ "No answer for 24 h": the other party has not written in the order chat for NO_REPLY_HOURS (and the order
    is at least that old)."""
    other_id = order.seller_id if user.pk == order.buyer_id else order.buyer_id
    last = OrderMessage.objects.filter(order=order, author_id=other_id).aggregate(last=Max("created_at"))["last"]
    since = max(filter(None, [last, order.started_at, order.placed_at]))
    return now - since >= timedelta(hours=rules.NO_REPLY_HOURS)


def _reason_refusal(order, user, reason, now):
    """Why `user` may not cancel `order` for `reason` now, or None."""
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
        other = "seller" if side == rules.BUYER else "buyer"
        return (
            f"The {other} wrote less than {rules.NO_REPLY_HOURS} hours ago; this reason is available after "
            f"{rules.NO_REPLY_HOURS} hours without an answer."
        )
    return None


def cancellation_reasons_for(*, order, user):
    """The O9/O10 reasons `user` may choose for `order` now (empty for others, finished orders, or while a
    request is already waiting for an answer)."""
    if order.party_of(user) is None or order.status not in (S.NEW, S.IN_PROGRESS):
        return []
    if CancellationRequest.objects.filter(order=order, status=ReqStatus.PENDING).exists():
        return []
    now = _now()
    return [r for r in rules.CANCEL_REASONS.values() if _reason_refusal(order, user, r, now) is None]


@transaction.atomic
def cancellation_request_create(*, order, user, reason, comment=""):
    """O9/O10. Immediate reasons cancel at once and return the Order. Reasons the other side confirms create a
    pending CancellationRequest (respond_by = now + RESPOND_DAYS) — or, when the buyer asks and the order is
    already overdue (O9), cancel at once."""
    order = _lock(order)
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
    now = _now()
    refusal = _reason_refusal(order, user, choice, now)
    if refusal:
        raise DomainError(refusal)
    if CancellationRequest.objects.filter(order=order, status=ReqStatus.PENDING).exists():
        raise DomainError("A cancellation request is already waiting for an answer.")
    immediate = not choice.confirm or (side == rules.BUYER and order.is_overdue)
    if immediate:
        return _cancel(
            order,
            now=now,
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
        respond_by=now + timedelta(days=rules.RESPOND_DAYS),
        counts_against_seller=choice.counts_against_seller,
        created_at=now,
    )
    order.last_activity_at = now
    order.save(update_fields=["last_activity_at"])
    _event(
        order,
        kind=Event.CANCEL_REQUESTED,
        actor=user,
        from_status=order.status,
        to_status=order.status,
        reason=f"{choice.label}. {comment}".strip() if comment else choice.label,
        now=now,
    )
    other = order.other_party(user)
    _notify(
        other,
        kind="cancellation_request",
        title=f"Order #{order.pk}: the {side} asks to cancel",
        body=f"{choice.label}. Please accept or decline within {rules.RESPOND_DAYS} days; without an answer the "
        "order is cancelled automatically.",
        order=order,
    )
    return request


def _lock_request(request):
    """Lock the order first, then the request (the same order as every other service)."""
    order_id = request.order_id if isinstance(request, CancellationRequest) else None
    if order_id is None:
        order_id = CancellationRequest.objects.values_list("order_id", flat=True).get(pk=request)
    order = _lock(order_id)
    req = CancellationRequest.objects.select_for_update().get(
        pk=request.pk if isinstance(request, CancellationRequest) else request
    )
    return order, req


@transaction.atomic
def cancellation_request_answer(*, request, user, accept):
    """O9/O10: the other side accepts (the order is cancelled, refund at once) or declines (work goes on)."""
    order, request = _lock_request(request)
    side = order.party_of(user)
    if side is None:
        raise DomainError("Only the buyer or the seller of this order can answer.")
    if side == request.side:
        raise DomainError("You cannot answer your own cancellation request.")
    if request.status != ReqStatus.PENDING:
        raise DomainError("This cancellation request has already been answered or closed.")
    now = _now()
    request.answered_at = now
    if accept:
        request.status = ReqStatus.ACCEPTED
        request.save(update_fields=["status", "answered_at"])
        _cancel(
            order,
            now=now,
            by=request.side,
            actor=user,
            reason=request.reason,
            comment=request.comment,
            counts_against_seller=request.counts_against_seller,
        )
        return request
    request.status = ReqStatus.DECLINED
    request.save(update_fields=["status", "answered_at"])
    order.last_activity_at = now
    order.save(update_fields=["last_activity_at"])
    _event(
        order, kind=Event.CANCEL_DECLINED, actor=user, from_status=order.status, to_status=order.status, now=now
    )
    _notify(
        request.requested_by,
        kind="order_status",
        title=f"Order #{order.pk}: your cancellation request was declined",
        body="The order goes on. If you cannot agree, you can open an arbitration.",
        order=order,
    )
    return request


@transaction.atomic
def cancellation_request_withdraw(*, request, user):
    """The side that asked takes its cancellation request back."""
    order, request = _lock_request(request)
    if user is None or user.pk != request.requested_by_id:
        raise DomainError("Only the person who asked for the cancellation can withdraw it.")
    if request.status != ReqStatus.PENDING:
        raise DomainError("This cancellation request has already been answered or closed.")
    now = _now()
    request.status = ReqStatus.WITHDRAWN
    request.answered_at = now
    request.save(update_fields=["status", "answered_at"])
    _event(
        order, kind=Event.CANCEL_WITHDRAWN, actor=user, from_status=order.status, to_status=order.status, now=now
    )
    _notify(
        order.other_party(user),
        kind="order_status",
        title=f"Order #{order.pk}: the cancellation request was withdrawn",
        order=order,
    )
    return request


@transaction.atomic
def order_cancel_by_staff(*, order, staff_user, reason):
    """C7: staff cancel an order with prohibited content; full refund to the buyer, no rating effect."""
    if staff_user is None or not (
        staff_user.is_superuser
        or staff_user.is_staff
        or account_roles.is_support(staff_user)
        or account_roles.is_moderator(staff_user)
    ):
        raise DomainError("Only support staff can cancel an order this way.")
    order = _lock(order)
    _refuse_state(order, *Order.ACTIVE_STATES)
    reason = _clean_text(
        reason,
        required_message="Please give the reason for the cancellation.",
        max_length=rules.REASON_MAX_LENGTH,
        what="The reason",
    )
    return _cancel(
        order,
        now=_now(),
        by=Order.Party.STAFF,
        actor=staff_user,
        reason=rules.STAFF_PROHIBITED,
        comment=reason,
        counts_against_seller=False,
        notify=[order.buyer, order.seller],
    )


def order_open_arbitration(*, order, user, description):
    """O12 hook for the arbitration app: move an order in progress or delivered to arbitration. The money stays
    in escrow. The arbitration app records the dispute itself (this only changes the order and its history)."""
    with transaction.atomic():
        order = _lock(order)
        if order.party_of(user) is None:
            raise DomainError("Only the buyer or the seller of this order can open an arbitration.")
        _refuse_state(order, S.IN_PROGRESS, S.DELIVERED)
        description = _clean_text(
            description,
            required_message="Please describe the problem.",
            max_length=rules.REASON_MAX_LENGTH * 5,
            what="The description",
        )
        now = _now()
        from_status = order.status
        order.open_arbitration(now=now)
        order.save()
        _event(
            order,
            kind=Event.ARBITRATION,
            actor=user,
            from_status=from_status,
            to_status=order.status,
            reason=description,
            now=now,
        )
        _lapse_pending_requests(order, now)
        _notify(
            order.other_party(user),
            kind="order_status",
            title=f"Order #{order.pk} was sent to arbitration",
            order=order,
        )
        if from_status == S.IN_PROGRESS:
            _sync_autopause(order)
        return order


@transaction.atomic
def order_arbitration_resolve(*, order, staff_user, refund_cents, reasoning):
    """O12 hook for the arbitration app: support's final decision on an order in arbitration. refund_cents = 0
    pays everything to the seller (completed, 80/20), = the total refunds everything (cancelled), anything
    between splits the escrow (completed, the rest paid to the seller as a sale). Recorded with its reasoning."""
    if staff_user is None or not (staff_user.is_superuser or account_roles.is_support(staff_user)):
        raise DomainError("Only support staff can decide an arbitration.")
    order = _lock(order)
    _refuse_state(order, S.IN_ARBITRATION)
    if (
        isinstance(refund_cents, bool)
        or not isinstance(refund_cents, int)
        or not 0 <= refund_cents <= order.total_cents
    ):
        raise DomainError(f"The refund must be between $0.00 and {format_cents(order.total_cents)}.")
    reasoning = _clean_text(
        reasoning,
        required_message="Please write the reasoning of the decision.",
        max_length=rules.REASON_MAX_LENGTH * 5,
        what="The reasoning",
    )
    now = _now()
    if refund_cents == order.total_cents:
        return _cancel(
            order,
            now=now,
            by=Order.Party.STAFF,
            actor=staff_user,
            reason=rules.ARBITRATION_REFUND,
            comment=reasoning,
            counts_against_seller=True,
            notify=[order.buyer, order.seller],
        )
    order.complete(now=now)
    order.save()
    if refund_cents:
        payment_services.escrow_split(hold=order.escrow_hold, seller=order.seller, refund_cents=refund_cents)
        outcome = f"Split: {format_cents(refund_cents)} refunded to the buyer, the rest paid to the seller"
    else:
        payment_services.escrow_release(hold=order.escrow_hold, seller=order.seller)
        outcome = "Decided for the seller: paid in full"
    _event(
        order,
        kind=Event.COMPLETED,
        actor=staff_user,
        from_status=S.IN_ARBITRATION,
        to_status=order.status,
        reason=f"{outcome}. {reasoning}",
        now=now,
    )
    for person in (order.buyer, order.seller):
        _notify(
            person, kind="order_status", title=f"Order #{order.pk}: arbitration decided", body=outcome, order=order
        )
    return order


# --- the order chat (M3, M5) --------------------------------------------------------------------------------


def _create_message(order, *, author, text, files, now):
    message = OrderMessage.objects.create(order=order, author=author, text=text, created_at=now)
    for upload in files:
        OrderAttachment.objects.create(message=message, file=upload, name=upload.name[:200], size=upload.size)
    return message


@transaction.atomic
def order_message_send(*, order, author, text, files=()):
    """The order's chat. M3: contact details are refused unless the order is in progress; M5: files per C6.
    Counts as activity (O8) and notifies the other party ("new_message")."""
    order = Order.objects.select_related("buyer", "seller").get(pk=order.pk)
    if order.party_of(author) is None:
        raise DomainError("Only the buyer and the seller of this order can write here.")
    text = (text or "").strip()
    files = [f for f in (files or ()) if f]
    if not text and not files:
        raise DomainError("Write a message or attach a file.")
    if len(text) > rules.MESSAGE_MAX_LENGTH:
        raise DomainError(f"The message is too long: at most {rules.MESSAGE_MAX_LENGTH:,} characters.")
    if order.status != S.IN_PROGRESS:
        ensure_no_contacts(text, what="Your message", field="text")
    files = _check_files(files)
    now = _now()
    message = _create_message(order, author=author, text=text, files=files, now=now)
    Order.objects.filter(pk=order.pk).update(last_activity_at=now)
    other = order.other_party(author)
    _notify(
        other,
        kind="new_message",
        title=f"New message on order #{order.pk}",
        body=(text[:140] + "…") if len(text) > 140 else text,
        order=order,
    )
    return message


# --- timer sweeps (O3, O5, O6, O8, O9/O10) ------------------------------------------------------------------


def _sweep(*, model, due, order_by, handle, batch_size):
    """Find due rows by an indexed range scan, batch by batch; take each in its own short transaction with
    FOR UPDATE SKIP LOCKED, re-checking `due` under the lock (a row someone else holds or already handled is
    skipped). Returns the number handled. Idempotent: run it again and it does nothing more."""
    with _relaxed_commit():
        return _sweep_batches(model=model, due=due, order_by=order_by, handle=handle, batch_size=batch_size)


def _sweep_batches(*, model, due, order_by, handle, batch_size):
    handled = 0
    skipped = set()
    while True:
        candidates = model.objects.filter(due)
        if skipped:
            candidates = candidates.exclude(pk__in=skipped)
        ids = list(candidates.order_by(order_by, "pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return handled
        for pk in ids:
            if _handle_one(model, pk, due, handle):
                handled += 1
            else:
                skipped.add(pk)


def _handle_one(model, pk, due, handle):
    """One due row in its own transaction. False when it is not ours to handle now (locked by another sweep,
    no longer due) or when handling it failed: the failure is logged, its transaction rolled back, and the row
    stays due for the next run — one bad row never stops the sweep."""
    try:
        with transaction.atomic():
            row = _lock_due(model, pk, due)
            if row is None:
                return False
            handle(row)
            return True
    except Exception:
        logger.exception("orders sweep: %s %s could not be handled; left for the next run", model.__name__, pk)
        return False


@contextmanager
def _relaxed_commit():
    """A sweep's transactions need not wait for their WAL flush (PostgreSQL `synchronous_commit = off` for the
    sweep's session, restored after): should the server crash in the following fraction of a second, an
    order's change and its ledger movement are lost together — never one without the other — and the next sweep
    does it again, since the order is still due. Any later synchronous commit flushes them first, so nothing
    that depends on them can survive without them. Not used inside an outer transaction (tests)."""
    connection = transaction.get_connection()
    relax = connection.vendor == "postgresql" and not connection.in_atomic_block
    if relax:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if relax and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def _lock_due(model, pk, due):
    """Lock a due row without waiting (None when another worker holds it or it is no longer due). For a
    cancellation request the order is locked first, as in every other service."""
    if model is Order:
        return _locking_orders(skip_locked=True).filter(due, pk=pk).first()
    order_id = CancellationRequest.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_id is None:
        return None
    order = _locking_orders(skip_locked=True).filter(pk=order_id).first()
    if order is None:
        return None
    request = CancellationRequest.objects.select_for_update().filter(due, pk=pk).first()
    if request is not None:
        request.order = order
    return request


def _sweep_orders(*, due, order_by, batch_size, apply_batch, handle_one):
    """The order sweeps (O3, O5, O6, O8): lock a batch of due orders in ONE query (`FOR UPDATE OF orders_order
    SKIP LOCKED … ORDER BY deadline, id LIMIT batch_size`, an index-only range scan), settle the whole batch in
    one short transaction with bulk writes (payments' batch escrow API: one ledger posting round per batch),
    commit, repeat. Orders another sweep holds are skipped, so two sweeps never act on the same order; a handled
    order is no longer due, so running again does nothing twice. If a batch fails it is rolled back whole and
    its orders are retried one by one (`handle_one`, each in its own transaction): a bad row is logged and left
    for the next run, the others proceed."""
    handled = 0
    failed = set()
    with _relaxed_commit():
        while True:
            batch = []
            try:
                with transaction.atomic():
                    qs = _locking_orders(skip_locked=True).filter(due)
                    if failed:
                        qs = qs.exclude(pk__in=failed)
                    batch = list(qs.order_by(order_by, "pk")[:batch_size])
                    if not batch:
                        return handled
                    with _notifications_batched():
                        apply_batch(batch)
                handled += len(batch)
            except Exception:
                if not batch:
                    raise
                logger.exception("orders sweep: a batch of %d failed; retrying its orders one by one", len(batch))
                for order in batch:
                    if _handle_one(Order, order.pk, due, handle_one):
                        handled += 1
                    else:
                        failed.add(order.pk)


def _bulk_events(orders, *, kind, from_statuses, now, reason=""):
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order,
            actor=None,
            kind=kind,
            from_status=from_statuses[order.pk],
            to_status=order.status,
            reason=reason,
            created_at=now,
        )
        for order in orders
    )


def _cancel_batch(orders, *, now, reason, counts_against_seller):
    """`_cancel` for a batch of locked orders, by the system: the same fields, history, refunds (one batch
    posting), lapsed requests, C11(b) and notifications to both parties."""
    from_statuses = {order.pk: order.status for order in orders}
    for order in orders:
        order.cancel(
            now=now, by=Order.Party.SYSTEM, reason=reason, counts_against_seller=counts_against_seller, auto=True
        )
    _persist_batch(orders, CANCEL_FIELDS, from_states=set(from_statuses.values()))
    label = rules.reason_label(reason)
    _bulk_events(orders, kind=Event.CANCELLED, from_statuses=from_statuses, now=now, reason=label)
    holds = [o.escrow_hold for o in orders if o.escrow_hold_id and o.escrow_hold.status == EscrowHold.Status.HELD]
    if holds:
        payment_services.escrow_refund_many(holds=holds)
    CancellationRequest.objects.filter(order__in=orders, status=ReqStatus.PENDING).update(
        status=ReqStatus.LAPSED, answered_at=now
    )
    one_per_seller = {o.seller_id: o for o in orders if from_statuses[o.pk] == S.IN_PROGRESS}
    for order in one_per_seller.values():
        _sync_autopause(order)
    for order in orders:
        _notify_cancelled(order, [order.buyer, order.seller], label)


def _complete_batch(orders, *, now):
    """O6 auto-completion of a batch of locked delivered orders: one batch release (80/20) in the ledger."""
    from_statuses = {order.pk: order.status for order in orders}
    for order in orders:
        order.complete(now=now, auto=True)
    _persist_batch(orders, COMPLETE_FIELDS, from_states=set(from_statuses.values()))
    _bulk_events(orders, kind=Event.COMPLETED, from_statuses=from_statuses, now=now, reason=AUTO_COMPLETE_REASON)
    payment_services.escrow_release_many(releases=[(order.escrow_hold, order.seller) for order in orders])
    for order in orders:
        _notify_completed(order, [order.seller, order.buyer])


def _overdue_one(order, now):
    order.overdue_at = now
    order.was_overdue = True


def _notify_overdue(order):
    _notify(
        order.buyer,
        kind="order_status",
        title=f"Order #{order.pk} is overdue",
        body="The seller did not deliver in time. You may cancel at once with a full refund, or wait if you "
        "agreed on a new date.",
        order=order,
    )
    _notify(order.seller, kind="order_status", title=f"Order #{order.pk} is overdue", order=order)


def _auto_cancel_sweep(*, due, order_by, reason, counts_against_seller, now, batch_size):
    """The sweeps that cancel and refund (O3, O8): batches through _cancel_batch, one by one through _cancel."""
    return _sweep_orders(
        due=due,
        order_by=order_by,
        batch_size=batch_size,
        apply_batch=lambda orders: _cancel_batch(
            orders, now=now, reason=reason, counts_against_seller=counts_against_seller
        ),
        handle_one=lambda order: _cancel(
            order,
            now=now,
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
    now = now or _now()
    return _auto_cancel_sweep(
        due=Q(status=S.NEW, accept_by__lte=now),
        order_by="accept_by",
        reason=rules.AUTO_UNACCEPTED,
        counts_against_seller=True,
        now=now,
        batch_size=batch_size,
    )


def orders_mark_overdue(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """O5: an order in progress past its due time is marked overdue (it stays in progress); the buyer is told
    they may cancel at once with a full refund."""
    now = now or _now()

    def handle(order):
        _overdue_one(order, now)
        order.save(update_fields=["overdue_at", "was_overdue"])
        _event(order, kind=Event.OVERDUE, from_status=order.status, to_status=order.status, now=now)
        _notify_overdue(order)

    def apply_batch(orders):
        for order in orders:
            _overdue_one(order, now)
        _persist_batch(orders, ["overdue_at", "was_overdue"], from_states={S.IN_PROGRESS})
        _bulk_events(orders, kind=Event.OVERDUE, from_statuses={o.pk: o.status for o in orders}, now=now)
        for order in orders:
            _notify_overdue(order)

    return _sweep_orders(
        due=Q(status=S.IN_PROGRESS, overdue_at__isnull=True, due_at__lte=now),
        order_by="due_at",
        batch_size=batch_size,
        apply_batch=apply_batch,
        handle_one=handle,
    )


def orders_autocomplete(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """O6: a delivery the buyer neither accepted nor sent back within REVIEW_DAYS completes automatically; the
    escrow pays the seller 80 % and the platform 20 %."""
    now = now or _now()
    return _sweep_orders(
        due=Q(status=S.DELIVERED, review_until__lte=now),
        order_by="review_until",
        batch_size=batch_size,
        apply_batch=lambda orders: _complete_batch(orders, now=now),
        handle_one=lambda order: _complete(order, now=now, actor=None, auto=True),
    )


def orders_cancel_inactive(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """O8: an order in progress with no activity for INACTIVITY_DAYS is cancelled and refunded (no rating
    effect: neither side acted)."""
    now = now or _now()
    return _auto_cancel_sweep(
        due=Q(status=S.IN_PROGRESS, last_activity_at__lte=now - timedelta(days=rules.INACTIVITY_DAYS)),
        order_by="last_activity_at",
        reason=rules.AUTO_INACTIVE,
        counts_against_seller=False,
        now=now,
        batch_size=batch_size,
    )


def cancellation_requests_autoconfirm(*, now=None, batch_size=rules.SWEEP_BATCH_SIZE):
    """O9/O10: a cancellation request left unanswered until `respond_by` is confirmed automatically: the order
    is cancelled and refunded with the reason's rating effect. A request whose order moved on lapses."""
    now = now or _now()

    def handle(request):
        order = request.order
        request.answered_at = now
        if order.status not in rules.CANCEL_REASONS[request.reason].states:
            request.status = ReqStatus.LAPSED
            request.save(update_fields=["status", "answered_at"])
            return
        request.status = ReqStatus.AUTO_CONFIRMED
        request.save(update_fields=["status", "answered_at"])
        _cancel(
            order,
            now=now,
            by=request.side,
            actor=None,
            reason=request.reason,
            comment=request.comment,
            counts_against_seller=request.counts_against_seller,
            auto=True,
        )

    return _sweep(
        model=CancellationRequest,
        due=Q(status=ReqStatus.PENDING, respond_by__lte=now),
        order_by="respond_by",
        handle=handle,
        batch_size=batch_size,
    )
