"""Every number of the inbox (M1–M3, M5, A11, T4), named once; texts read them with {% rule "messaging.NAME" %}."""

# M2: the seller answers a new message within this many hours, or all their Kworks are blocked.
ANSWER_HOURS = 24
# M2: a buyer's message is "new" when it is the first of the conversation or comes more than this many days after
# the previous message.
NEW_MESSAGE_GAP_DAYS = 20
# M2: reminders to the seller this many hours before the deadline, latest last.
ANSWER_REMINDER_HOURS_BEFORE = (12, 2)
# M2 sweep: conversations settled per short transaction (SKIP LOCKED batches).
SWEEP_BATCH_SIZE = 200

# Messages and attachments (M5 follows C6 through common.uploads).
MESSAGE_MAX_LENGTH = 4000
MAX_FILES_PER_MESSAGE = 5
PREVIEW_LENGTH = 90

# A11: at most one notification (and so one e-mail) per conversation and recipient in this many minutes while
# the recipient has not opened the conversation since the last one.
NOTIFY_BATCH_MINUTES = 15

# Pages.
INBOX_PAGE_SIZE = 30
THREAD_PAGE_SIZE = 50
REFRESH_SECONDS = 10
ORDERS_LINKED = 5  # orders between the two people listed in a conversation

# T4: messages a user may send.
RATE_SEND = "20/m"
RATE_STAFF = "60/m"

# R10: the response figures (rate, median first-response time) cover the new messages of this many days.
RESPONSE_FIGURES_DAYS = 90
