"""Every number of the accounts rules, named once (SPEC A3, A5, A6, A11)."""

SENSITIVE_CHANGE_LOCK_DAYS = 7  # A5, A6, P6: payouts locked for a week after e-mail, login or payout changes
USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30
USERNAME_CHANGES_ALLOWED = 1  # A6
LAST_SEEN_RESOLUTION_SECONDS = 300  # last-seen is written at most every five minutes per user
NOTIFICATIONS_PAGE_SIZE = 25
NOTIFICATIONS_KEEP_READ_DAYS = 180


class NotificationKind:
    """A11: every kind of notification, named once; services pass these instead of bare strings."""

    WELCOME = "welcome"
    ACCOUNT = "account"
    BADGE = "badge"
    NEW_ORDER = "new_order"
    ORDER_STATUS = "order_status"
    NEW_MESSAGE = "new_message"
    NEW_FEEDBACK = "new_feedback"
    CANCELLATION_REQUEST = "cancellation_request"
    ARBITRATION_DECISION = "arbitration_decision"
    PAYMENTS = "payments"
    KWORK_MODERATION = "kwork_moderation"
    KWORK_AUTOPAUSE = "kwork_autopause"


# A11: the events that also send an e-mail (when the user has not turned e-mail off).
EMAIL_NOTIFICATION_KINDS = frozenset(
    {
        NotificationKind.NEW_ORDER,
        NotificationKind.ORDER_STATUS,
        NotificationKind.NEW_MESSAGE,
        NotificationKind.NEW_FEEDBACK,
        NotificationKind.CANCELLATION_REQUEST,
        NotificationKind.ARBITRATION_DECISION,
        NotificationKind.ACCOUNT,
    }
)
