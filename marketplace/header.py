"""The marketplace's counter in the logged-in header (accounts/header.py): the cart, shown in buyer mode."""

from accounts.header import Count


def _cart(user):
    if user.is_seller_mode:
        return None
    # The twin of selectors.cart_count, as SQL for the header's one statement.
    return Count("SELECT COUNT(*) FROM marketplace_cartitem WHERE user_id = %s", [user.pk])


HEADER_COUNTS = {"cart": _cart}
