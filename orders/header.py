"""The orders app's counter in the logged-in header (accounts/header.py): in seller mode, the orders that need
the seller now (new ones to start, ones to deliver, requests to answer)."""

from . import rules, selectors


def _to_do(user):
    if not user.is_seller_mode:
        return None
    return selectors.action_counts(user=user, role=rules.SELLER)["total"]


HEADER_COUNTS = {"orders_to_do": _to_do}
