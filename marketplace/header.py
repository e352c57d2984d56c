"""The marketplace's counter in the logged-in header (accounts/header.py): the cart, shown in buyer mode."""

from . import selectors


def _cart(user):
    return None if user.is_seller_mode else selectors.cart_count_query(user)


HEADER_COUNTS = {"cart": _cart}
