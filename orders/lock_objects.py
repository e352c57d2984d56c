"""Row locks of the orders app, in one place (like Saleor's `order/lock_objects.py`).

Every service locks in the same order, so two of them never wait on each other in a cycle: the order row first
(`select_for_update`), then what hangs off it (a cancellation request), and only then, inside payments, the
escrow hold and the ledger accounts. A checkout has no order yet: it locks the buyer's cart items (in primary-key
order), then payments locks the accounts."""

from django.db import transaction

from marketplace.models import CartItem

from .models import CancellationRequest, Order


def orders_for_update(*, skip_locked=False):
    """Orders with their people and hold, locking only the order rows (FOR UPDATE OF on PostgreSQL, so the
    joined users and hold stay unlocked for payments to lock in its own order)."""
    qs = Order.objects.select_related("buyer", "seller", "escrow_hold")
    if transaction.get_connection().features.has_select_for_update_of:
        return qs.select_for_update(skip_locked=skip_locked, of=("self",))
    return qs.select_for_update(skip_locked=skip_locked)


def order_lock(order):
    """The order's row, locked, fresh from the database (an Order or its pk)."""
    return orders_for_update().get(pk=order.pk if isinstance(order, Order) else order)


def cancellation_request_lock(request):
    """(order, request), both locked: the order first, then the request (an instance or its pk)."""
    pk = request.pk if isinstance(request, CancellationRequest) else request
    order_id = request.order_id if isinstance(request, CancellationRequest) else None
    if order_id is None:
        order_id = CancellationRequest.objects.values_list("order_id", flat=True).get(pk=pk)
    order = order_lock(order_id)
    return order, CancellationRequest.objects.select_for_update().get(pk=pk)


def cart_items_lock(*, buyer, ids=None):
    """The pks of the buyer's cart items (all, or those of `ids`) that still exist, locked in pk order: a second
    checkout of the same items waits here, then finds them gone (O13: one cart item, one order)."""
    qs = CartItem.objects.filter(user=buyer)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs.select_for_update().order_by("pk").values_list("pk", flat=True))
