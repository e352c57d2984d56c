"""Placing orders (O1, O13, C5): price the choice, create the order and its lines, pay it into escrow."""

from datetime import timedelta

from django.db import IntegrityError, transaction

from accounts import services as account_services
from accounts.rules import NotificationKind
from common.errors import DomainError
from marketplace.models import CartItem
from marketplace.pricing import Quote, QuoteLine, price_quote
from payments import selectors as payment_selectors
from payments import services as payment_services

from .. import rules
from ..lock_objects import cart_items_lock
from ..models import Order, OrderLine
from .common import Event, event, notify, now


def _kwork_snapshot(kwork, quote):
    """O12: what the buyer saw when ordering, kept for a dispute's case file (the Kwork may change later)."""
    return {
        "title": kwork.title,
        "description": kwork.description,
        "volume": kwork.volume,
        "price_cents": kwork.price_cents,
        "lead_time_days": kwork.lead_time_days,
        "instructions": kwork.instructions,
        "package": quote.package.tier if quote.package else "",
        "lines": [
            {"kind": line.kind, "title": line.title, "quantity": line.quantity, "amount_cents": line.amount_cents}
            for line in quote.lines
        ],
    }


def _place(*, buyer, kwork, quote, at, key="", title=""):
    refusal = kwork.order_refusal(buyer)
    if refusal:
        raise DomainError(refusal)
    unit_line = quote.lines[0]
    order = Order.objects.create(
        buyer=buyer,
        seller=kwork.seller,
        kwork=kwork,
        title=title or kwork.title,
        quantity=quote.quantity,
        package_tier=quote.package.tier if quote.package else "",
        unit_price_cents=unit_line.unit_price_cents,
        total_cents=quote.total_cents,
        lead_time_days=quote.lead_time_days,
        accept_by=at + timedelta(hours=rules.ACCEPT_HOURS),
        placed_at=at,
        last_activity_at=at,
        placement_key=key,
        kwork_snapshot=_kwork_snapshot(kwork, quote),
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
    event(order, kind=Event.PLACED, actor=buyer, to_status=order.status, at=at)
    notify(
        kwork.seller,
        kind=NotificationKind.NEW_ORDER,
        title=f"New order #{order.pk}: {order.title}",
        body=f"Start work within {rules.ACCEPT_HOURS} hours, or the order is cancelled automatically.",
        order=order,
    )
    payment_services.referral_mark_active(user=buyer)
    return order


def order_place(*, buyer, kwork, quantity=1, option_ids=(), package=None, idempotency_key=""):
    """O1/C5: price the choice, create the order with its lines, pay it from the balance into escrow, give the
    seller ACCEPT_HOURS to start. Raises payments.services.InsufficientFunds (with `missing_cents`) when the
    balance is short — nothing is created then — and DomainError for a choice that cannot be ordered.

    `idempotency_key`: the one-time key of the "Order now" form. The first request with it places the order;
    any other (a double click, a resent form) returns that same order and pays nothing more."""
    account_services.ensure_email_confirmed(user=buyer, action="place an order")
    key = (idempotency_key or "").strip()[: Order._meta.get_field("placement_key").max_length]
    if key and (placed := _placed_with(buyer, key)) is not None:
        return placed
    quote = price_quote(kwork=kwork, quantity=quantity, option_ids=option_ids, package=package)
    try:
        with transaction.atomic():
            return _place(buyer=buyer, kwork=kwork, quote=quote, at=now(), key=key)
    except IntegrityError:
        # Two requests with one key at once: the second INSERT waited for the first and hit the unique key.
        placed = _placed_with(buyer, key) if key else None
        if placed is None:
            raise
        return placed


def order_place_custom(*, buyer, kwork, title, price_cents, lead_time_days):
    """O1 for a price and lead time agreed with the seller instead of read from the Kwork's menu (C15 individual
    offers): one line at `price_cents`, the order titled `title`, on the seller's `kwork`, through the same
    placement and escrow as `order_place` (InsufficientFunds with `missing_cents` when the balance is short,
    nothing created then). The caller validates the agreed figures and holds its own row lock around this
    call, so the order and the caller's change commit together or not at all."""
    account_services.ensure_email_confirmed(user=buyer, action="place an order")
    if not (0 < price_cents < 2**63 and lead_time_days > 0):
        raise DomainError("This price or lead time cannot be ordered.")
    quote = Quote(
        total_cents=price_cents,
        lead_time_days=lead_time_days,
        lines=[
            QuoteLine(kind="unit", title=title, unit_price_cents=price_cents, quantity=1, amount_cents=price_cents)
        ],
    )
    with transaction.atomic():
        return _place(buyer=buyer, kwork=kwork, quote=quote, at=now(), title=title)


def _placed_with(buyer, key):
    return Order.objects.filter(buyer=buyer, placement_key=key).first()


def cart_checkout(*, buyer, item_ids=None):
    """O13: one order per cart item, all or nothing. With too little money, InsufficientFunds for the whole
    missing sum and nothing is bought; the bought items leave the cart in the same transaction. The items are
    locked first, so two checkouts of the same item (a double click, two tabs) make one order: the second waits,
    then finds the item gone."""
    account_services.ensure_email_confirmed(user=buyer, action="place an order")
    ids = None
    if item_ids is not None:
        try:
            ids = {int(pk) for pk in item_ids}
        except (TypeError, ValueError):
            raise DomainError("Choose at least one item of your cart.") from None
        if not all(0 < pk < 2**63 for pk in ids):  # a forged id beyond the database's integers
            raise DomainError("Choose at least one item of your cart.")
    with transaction.atomic():
        locked = cart_items_lock(buyer=buyer, ids=ids)
        if not locked:
            raise DomainError(
                "Your cart is empty." if item_ids is None else "Choose at least one item of your cart."
            )
        if ids is not None and len(locked) != len(ids):
            raise DomainError(
                "Your cart changed meanwhile (an item was already ordered or removed). Please check it."
            )
        items = list(
            CartItem.objects.filter(pk__in=locked)
            .select_related("kwork__seller", "package")
            .prefetch_related("options", "kwork__options", "kwork__packages")
            .order_by("added_at", "pk")
        )
        quotes = [_quote_item(buyer, item) for item in items]
        total = sum(q.total_cents for q in quotes)
        balance = payment_selectors.balance_of(buyer)
        if balance.main_cents + balance.bonus_cents < total:
            raise payment_services.InsufficientFunds(total - balance.main_cents - balance.bonus_cents)
        at = now()
        try:
            with transaction.atomic():
                orders = [
                    _place(buyer=buyer, kwork=item.kwork, quote=q, at=at)
                    for item, q in zip(items, quotes, strict=True)
                ]
        except payment_services.InsufficientFunds:
            # The balance moved meanwhile: report the whole sum still missing (nothing was bought).
            balance = payment_selectors.balance_of(buyer)
            raise payment_services.InsufficientFunds(
                max(total - balance.main_cents - balance.bonus_cents, 1)
            ) from None
        CartItem.objects.filter(pk__in=locked).delete()
    return orders


def _quote_item(buyer, item):
    refusal = item.kwork.order_refusal(buyer)
    if refusal:
        raise DomainError(f"“{item.kwork.title}”: {refusal}")
    try:
        return price_quote(
            kwork=item.kwork, quantity=item.quantity, option_ids=item.option_ids, package=item.package
        )
    except DomainError as exc:
        raise DomainError(f"“{item.kwork.title}”: {exc.message}") from exc
