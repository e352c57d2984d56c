"""Placing orders (O1, O13, C5): price the choice, create the order and its lines, pay it into escrow."""

from datetime import timedelta

from django.db import transaction

from accounts import services as account_services
from accounts.rules import NotificationKind
from common.errors import DomainError
from marketplace.models import CartItem
from marketplace.pricing import price_quote
from payments import selectors as payment_selectors
from payments import services as payment_services

from .. import rules
from ..models import Order, OrderLine
from .common import Event, event, notify, now


def _place(*, buyer, kwork, quote, at):
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
        accept_by=at + timedelta(hours=rules.ACCEPT_HOURS),
        placed_at=at,
        last_activity_at=at,
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


def order_place(*, buyer, kwork, quantity=1, option_ids=(), package=None):
    """O1/C5: price the choice, create the order with its lines, pay it from the balance into escrow, give the
    seller ACCEPT_HOURS to start. Raises payments.services.InsufficientFunds (with `missing_cents`) when the
    balance is short — nothing is created then — and DomainError for a choice that cannot be ordered."""
    account_services.ensure_email_confirmed(user=buyer, action="place an order")
    quote = price_quote(kwork=kwork, quantity=quantity, option_ids=option_ids, package=package)
    with transaction.atomic():
        return _place(buyer=buyer, kwork=kwork, quote=quote, at=now())


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
    at = now()
    with transaction.atomic():
        try:
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
        CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    return orders
