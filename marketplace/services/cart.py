"""Favourites and the cart (C13)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from common.errors import DomainError

from .. import rules
from ..models import CartItem, Favourite, Kwork
from ..pricing import price_quote

Status = Kwork.Status


def _visible_kwork(pk):
    return get_object_or_404(Kwork.objects.filter(Q(status=Status.ACTIVE) | Q(status=Status.PAUSED)), pk=pk)


def favourite_toggle(*, user, kwork_id):
    """Add or remove the heart; returns True when the Kwork is now a favourite."""
    kwork = _visible_kwork(kwork_id)
    with transaction.atomic():
        deleted, _ = Favourite.objects.filter(user=user, kwork=kwork).delete()
        if deleted:
            return False
        Favourite.objects.get_or_create(user=user, kwork=kwork)
    return True


def cart_add(*, user, kwork_id, quantity=1, option_ids=(), package=None):
    """Put a Kwork with its choice into the cart; the same choice again adds to the quantity."""
    kwork = get_object_or_404(Kwork.objects.prefetch_related("options", "packages"), pk=kwork_id)
    refusal = kwork.order_refusal(user)
    if refusal:
        raise DomainError(refusal)
    quote = price_quote(kwork=kwork, quantity=quantity, option_ids=option_ids, package=package)
    option_pks = sorted(option.pk for option in quote.options)
    package_id = quote.package.pk if quote.package else None
    with transaction.atomic():
        for item in CartItem.objects.select_for_update().filter(user=user, kwork=kwork, package_id=package_id):
            if sorted(item.options.values_list("pk", flat=True)) == option_pks:
                new_quantity = item.quantity + quote.quantity
                if new_quantity > rules.MAX_QUANTITY:
                    raise DomainError(f"You can order from 1 to {rules.MAX_QUANTITY} units at once.")
                item.quantity = new_quantity
                item.added_at = timezone.now()
                item.save(update_fields=["quantity", "added_at"])
                return item
        item = CartItem.objects.create(user=user, kwork=kwork, quantity=quote.quantity, package_id=package_id)
        item.options.set(option_pks)
    return item


def cart_item_update(*, user, item_id, quantity):
    with transaction.atomic():
        item = get_object_or_404(CartItem.objects.select_for_update(), user=user, pk=item_id)
        price_quote(kwork=item.kwork, quantity=quantity, option_ids=item.option_ids, package=item.package)
        item.quantity = int(quantity)
        item.save(update_fields=["quantity"])
    return item


def cart_item_remove(*, user, item_id):
    deleted, _ = CartItem.objects.filter(user=user, pk=item_id).delete()
    if not deleted:
        raise DomainError("This item is no longer in your cart.")


def cart_purge_expired(*, now=None):
    """C13 beat job: cart items are kept CART_ITEM_KEEP_DAYS days. Returns the number removed."""
    cutoff = (now or timezone.now()) - timedelta(days=rules.CART_ITEM_KEEP_DAYS)
    total = 0
    while True:
        ids = list(CartItem.objects.filter(added_at__lt=cutoff).values_list("pk", flat=True)[:1000])
        if not ids:
            return total
        # Counted from what this run deleted: a second run at the same time may have taken some of the ids.
        _, per_model = CartItem.objects.filter(pk__in=ids).delete()
        total += per_model.get(CartItem._meta.label, 0)
