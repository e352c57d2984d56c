"""The messaging app's counter in the logged-in header (accounts/header.py): unread messages."""

from accounts.header import Count


def _unread(user):
    # The twin of selectors.unread_total, as SQL for the header's one statement (each index of the OR is the
    # person's side: conversation_buyer_inbox / conversation_seller_inbox).
    return Count(
        "SELECT SUM(CASE WHEN buyer_id = %s THEN buyer_unread ELSE seller_unread END) FROM messaging_conversation "
        "WHERE (buyer_id = %s AND buyer_unread > 0) OR (seller_id = %s AND seller_unread > 0)",
        [user.pk] * 3,
    )


HEADER_COUNTS = {"messages": _unread}
