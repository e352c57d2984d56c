"""Every number of the accounts rules, named once (SPEC A3, A5, A6, A11)."""

SENSITIVE_CHANGE_LOCK_DAYS = 7  # A5, A6, P6: payouts locked for a week after e-mail, login or payout changes
USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30
USERNAME_CHANGES_ALLOWED = 1  # A6
LAST_SEEN_RESOLUTION_SECONDS = 300  # last-seen is written at most every five minutes per user
NOTIFICATIONS_PAGE_SIZE = 25
NOTIFICATIONS_KEEP_READ_DAYS = 180

# A11: the events that also send an e-mail (when the user has not turned e-mail off).
EMAIL_NOTIFICATION_KINDS = frozenset(
    {
        "new_order",
        "order_status",
        "new_message",
        "new_feedback",
        "cancellation_request",
        "arbitration_decision",
        "account",
    }
)
