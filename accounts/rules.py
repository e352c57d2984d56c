"""Every number of the accounts rules, named once (SPEC A3, A5, A6, A11, T4)."""

SENSITIVE_CHANGE_LOCK_DAYS = 7  # A5, A6, P6: payouts locked for a week after e-mail, login or payout changes
USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30
LAST_SEEN_RESOLUTION_SECONDS = 300  # last-seen is written at most every five minutes per user
NOTIFICATIONS_PAGE_SIZE = 25
NOTIFICATIONS_KEEP_READ_DAYS = 180

# T4 fair use: "count/period" per user (or address) for the POSTs of each action (common.ratelimit).
RATE_PROFILE = "20/m"
RATE_LOGIN_CHANGE = "5/h"
RATE_DELETION_REQUEST = "3/h"
RATE_NOTIFICATIONS = "60/m"
# T4 lock-out, in allauth's syntax (settings.ACCOUNT_RATE_LIMITS is built from these): five failed logins for one
# account lock it for 15 minutes; ten a minute per address. Sign-up: submissions of the form (typos included) are
# counted generously per address; the accounts actually created per address are what is held back.
RATE_LOGIN_FAILED = "10/m/ip,5/15m/key"
RATE_LOGIN = "30/m/ip"
RATE_SIGNUP = "30/m/ip,100/h/ip"
RATE_SIGNUP_ACCOUNTS = "5/h"  # common.ratelimit syntax: completed sign-ups per address (accounts.forms.SignupForm)
RATE_CONFIRM_EMAIL = "1/3m/key"


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
    BUYER_REQUEST = "buyer_request"  # Q1, Q3: the buyer's request moderated, a new offer on it
    REQUEST_DIGEST = "request_digest"  # Q2: new requests in a seller's categories, one digest per interval
    SUPPORT_TICKET = "support_ticket"  # T3: an answer on a ticket (to the user), a new message (to staff)


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
        NotificationKind.REQUEST_DIGEST,
        NotificationKind.SUPPORT_TICKET,
    }
)

# A12: an identity document is deleted this many days after staff decide on it (a beat job; `identity_purge_check`).
IDENTITY_DOCUMENT_KEEP_DAYS = 30
IDENTITY_BADGE_CODE = "verified-specialist"  # A10: the badge an approved identity check grants

# T1, T2, M3, M4: penalties. A temporary block lasts BLOCK_BASE_DAYS, doubling with each earlier temporary block of
# the same person; the site's own steps give a warning for a first offence and a block for a repeat.
BLOCK_BASE_DAYS = 3
PENALTY_REASON_MAX_LENGTH = 3000
APPEAL_TEXT_MAX_LENGTH = 3000
REPORT_REASON_MAX_LENGTH = 2000
RATE_REPORT = "10/h"
RATE_APPEAL = "5/h"
# M3: refused messages with contact details before the site warns (the refusal itself explains the rule), counted
# over this many days.
CONTACT_REFUSALS_BEFORE_WARNING = 2
OFFENCE_WINDOW_DAYS = 30
