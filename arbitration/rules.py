"""Every number of the back office, named once."""

BACKOFFICE_PAGE_SIZE = 25

# O12: the other party may answer a dispute within this many hours.
DISPUTE_ANSWER_HOURS = 48
# O12: support decides a dispute within this many working days (Monday to Friday) of its opening.
DISPUTE_DECISION_WORKING_DAYS = 3
# O12: at most this many evidence files with one statement (C6 checks each one).
DISPUTE_MAX_FILES = 5
DISPUTE_TEXT_MAX_LENGTH = 5000

# T3 support tickets.
TICKET_FIRST_ANSWER_HOURS = 24  # staff answer a new ticket within this many hours (shown to staff)
TICKET_INACTIVE_DAYS = 7  # a ticket waiting for the user closes after this many days without an answer
TICKET_RESOLVED_CLOSE_DAYS = 3  # a resolved ticket closes after this many days unless the user writes again
TICKET_MAX_FILES = 5  # attachments with one message (C6 checks each one)
TICKET_TEXT_MAX_LENGTH = 5000
TICKETS_PAGE_SIZE = 25
RATE_TICKET = "20/h"  # T4: tickets opened and messages written per user
AUDIT_LOG_PAGE_SIZE = 50
SEARCH_RESULTS_LIMIT = 20
