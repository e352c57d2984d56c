"""Order-side invariants for `manage.py ledger_check` (payments calls every app's `problems()`): each order's
escrow is in the state its order says — held while the order is open, resolved exactly once when it ends."""

from payments.models import EscrowHold

from .models import Order

S = Order.Status
H = EscrowHold.Status

# The hold states each order state allows (arbitration may split a completed order's escrow).
ALLOWED = {
    S.NEW: {H.HELD},
    S.IN_PROGRESS: {H.HELD},
    S.DELIVERED: {H.HELD},
    S.IN_ARBITRATION: {H.HELD},
    S.COMPLETED: {H.RELEASED, H.SPLIT},
    S.CANCELLED: {H.REFUNDED},
}
SHOWN = 20  # name at most this many orders per problem


def problems():
    found = []
    for status, hold_statuses in ALLOWED.items():
        wrong = (
            Order.objects.filter(status=status)
            .exclude(escrow_hold__status__in=hold_statuses)
            .values_list("pk", "escrow_hold__status")
            .order_by("pk")[:SHOWN]
        )
        for pk, hold_status in wrong:
            found.append(f"order #{pk} is {status} but its escrow is {hold_status or 'missing'}")
    return found
