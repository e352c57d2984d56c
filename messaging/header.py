"""The messaging app's counter in the logged-in header (accounts/header.py): unread messages."""

from . import selectors

HEADER_COUNTS = {"messages": selectors.unread_total_query}
