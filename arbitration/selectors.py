"""Reads of the back office, shaped for its pages (each app's own queues are read by that app's selectors)."""

from accounts import selectors as account_selectors


def overview_counts():
    """The overview's own cards; the other apps add theirs through their backoffice_cards.html."""
    return {"deletions": account_selectors.deletion_requests_pending_count()}
