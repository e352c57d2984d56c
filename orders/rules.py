"""Every number and table of the order rules (SPEC O1–O10, O13, O14, C5, C11b), named once. Change them here.

Decisions where the rule book leaves a detail open (written down so they can be found and changed):

- O2 quick cancel: within QUICK_CANCEL_MINUTES of paying the buyer may cancel alone while the seller has not
  started (status new); refund at once, no rating effect. Once work started — even if it was delivered and sent
  back for a revision within those minutes — the buyer chooses an O9 reason instead.
- O3 the seller accepts ("Start working") within ACCEPT_HOURS of the payment.
- O4/C5 the due time is start + the order's lead time (already C5-adjusted for several units at placement).
- O5 an order in progress past its due time gets `overdue_at` (it stays "in progress": there is no formal
  extension). The buyer may then cancel at once ("not done on time") with a rating penalty for the seller.
- O6/O7 a revision sends the order back to work; the seller then has at least REVISION_MIN_HOURS before it
  counts as overdue again (due = max(old due, now + REVISION_MIN_HOURS)), and the earlier lateness is cleared:
  the seller did deliver.
- O8 "no activity" = no message in the order chat, no requirements, no delivery and no state change for
  INACTIVITY_DAYS; it applies to orders in progress (new orders are handled by O3, delivered ones by O6).
- O9/O10 one open cancellation request per order at a time; the other side answers within RESPOND_DAYS or it
  is confirmed automatically. A request still open when the order moves on (delivered, cancelled otherwise)
  lapses. "No contact / no communication for 24 h" is offered only when the other party has not written in the
  order chat for NO_REPLY_HOURS (and the order is at least that old).
- C11(b) the seller's "orders in progress" are the orders in state in_progress (revisions included).

Timers and an open cancellation request (O3/O5/O6/O8 against O9/O10). An open request is the parties talking
about ending the order; no timer may end it under them. In order of the timers:

- O3 accept_by: an open request on a new order HOLDS the clock until it is answered. Opening it moves
  `accept_by` to `respond_by` + the time the seller had left, so the O9/O10 sweep always comes first and
  decides the outcome (the request's reason and its rating effect, never "not started"). Declined or withdrawn,
  the seller gets that time back, counted from the answer. The time kept is at least ACCEPT_RESUME_MIN_HOURS
  (a request may be opened when the 24 hours are just over and the sweep has not run yet: "no answer for
  24 hours" can only be chosen then). Moving the column (instead of excluding such orders in the sweep's query)
  keeps the O3 sweep a plain range scan of the partial index `order_new_accept_by`, with no anti-join against
  the requests.
- O5 due_at: not held. Lateness is a fact; the order is marked overdue and the open request stays open. The buyer
  may then still cancel at once for lateness (O5/O9): the open request lapses with it.
- O6 review_until: no request can be open on a delivered order (a delivery lapses it, and no reason is offered
  while delivered).
- O8 last_activity_at: opening, declining or withdrawing a request is activity, and RESPOND_DAYS is shorter than
  INACTIVITY_DAYS, so the O9/O10 sweep always settles an open request first (checked below at import).
- O9/O10 respond_by: the request's own clock; when it fires the request is confirmed, or lapses if the order
  has meanwhile left the states its reason is allowed in.
"""

from dataclasses import dataclass

# O2
QUICK_CANCEL_MINUTES = 20
# O3
ACCEPT_HOURS = 24
# O6
REVIEW_DAYS = 3
# O6/O7
REVISION_MIN_HOURS = 24
# O8
INACTIVITY_DAYS = 14
# O9/O10
RESPOND_DAYS = 2
NO_REPLY_HOURS = 24
# C14: the buyer may withdraw the portfolio consent this long after giving it (the item is then deleted).
PORTFOLIO_REVOKE_DAYS = 14
# O3 held by an open request (see the docstring): the least time to start kept for after the request.
ACCEPT_RESUME_MIN_HOURS = 1
if RESPOND_DAYS >= INACTIVITY_DAYS:
    raise ValueError("RESPOND_DAYS must be shorter than INACTIVITY_DAYS: O8 would cancel under an open request")
# Sweeps: orders settled per short transaction (one lock query, one batch ledger posting).
SWEEP_BATCH_SIZE = 200
# Texts
REQUIREMENTS_MAX_LENGTH = 5_000
MESSAGE_MAX_LENGTH = 5_000
DELIVERY_MAX_LENGTH = 5_000
REASON_MAX_LENGTH = 1_000
REVISION_REASON_MIN_LENGTH = 10  # O6: "x" tells the seller nothing; the revision form asks for a few words
ARBITRATION_TEXT_MAX_LENGTH = 5_000  # O12: the description of the problem and support's reasoning
MAX_FILES_PER_MESSAGE = 5
MESSAGE_PREVIEW_LENGTH = 140  # A11: a chat message's first characters in the "new message" notification
# Pages
LIST_PAGE_SIZE = 25  # orders per page of "Manage orders"
# The order page draws a bounded part of each growing section, so its size does not grow with the order's
# history: the latest messages, deliveries and events, and earlier ones a page at a time on request.
CHAT_PAGE_SIZE = 30  # messages
CHAT_REFRESH_SECONDS = 15  # the open page asks for new messages this often
DELIVERIES_PAGE_SIZE = 5
TIMELINE_PAGE_SIZE = 10  # events of the history
# T4 fair use of the order pages' writes, per user (common.ratelimit's "count/period").
RATE_PLACE = "20/m"
RATE_ACTION = "30/m"
RATE_MESSAGE = "20/m"
# O13: the cart suggests ordering similar Kworks from 2 to 5 sellers for large jobs.
CART_SUGGEST_SELLERS_MIN = 2
CART_SUGGEST_SELLERS_MAX = 5

BUYER = "buyer"
SELLER = "seller"

NEW = "new"
IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class CancelReason:
    code: str
    side: str  # who may choose it: "buyer" or "seller"
    label: str
    states: tuple  # order states in which it is offered
    confirm: bool  # True: the other side confirms (or it is auto-confirmed after RESPOND_DAYS)
    counts_against_seller: bool
    only_overdue: bool = False  # O9 "not done on time": only once the order is overdue
    needs_silence: bool = False  # "no answer for 24 h": the other side has not written for NO_REPLY_HOURS


# O9 (buyer) and O10 (seller): the one table of cancellation reasons.
CANCEL_REASONS = {
    r.code: r
    for r in (
        CancelReason("buyer_late", BUYER, "The order was not done on time", (IN_PROGRESS,), False, True, True),
        CancelReason(
            "buyer_misunderstanding", BUYER, "Misunderstanding with the seller", (NEW, IN_PROGRESS), True, False
        ),
        CancelReason(
            "buyer_no_contact",
            BUYER,
            f"No contact with the seller (no answer for {NO_REPLY_HOURS} hours)",
            (NEW, IN_PROGRESS),
            True,
            True,
            needs_silence=True,
        ),
        CancelReason("buyer_seller_busy", BUYER, "The seller is busy", (NEW, IN_PROGRESS), True, True),
        CancelReason(
            "buyer_other", BUYER, "Another reason, not the seller's fault", (NEW, IN_PROGRESS), True, False
        ),
        CancelReason(
            "seller_requirements_mismatch",
            SELLER,
            "The buyer's requirements do not match the Kwork",
            (NEW,),
            True,
            False,
        ),
        CancelReason(
            "seller_no_info", SELLER, "The buyer did not provide the required information", (NEW,), True, False
        ),
        CancelReason(
            "seller_no_communication",
            SELLER,
            f"No communication with the buyer (no reply for {NO_REPLY_HOURS} hours)",
            (IN_PROGRESS,),
            True,
            False,
            needs_silence=True,
        ),
        CancelReason(
            "seller_misunderstanding", SELLER, "Misunderstanding with the buyer", (NEW, IN_PROGRESS), False, True
        ),
        CancelReason("seller_busy", SELLER, "No time / busy", (NEW, IN_PROGRESS), False, True),
        CancelReason("seller_other", SELLER, "Another reason", (NEW, IN_PROGRESS), False, True),
    )
}

# Codes of cancellations that are not a party's reason from the table above.
QUICK_CANCEL = "buyer_quick_cancel"  # O2
AUTO_UNACCEPTED = "auto_not_accepted"  # O3
AUTO_INACTIVE = "auto_inactive"  # O8
STAFF_PROHIBITED = "staff_prohibited"  # C7
ARBITRATION_REFUND = "arbitration_refund"  # O12: support decided for the buyer
SYSTEM_REASON_LABELS = {
    QUICK_CANCEL: f"Cancelled by the buyer within {QUICK_CANCEL_MINUTES} minutes of paying",
    AUTO_UNACCEPTED: f"The seller did not start work within {ACCEPT_HOURS} hours",
    AUTO_INACTIVE: f"No activity on the order for {INACTIVITY_DAYS} days",
    STAFF_PROHIBITED: "Cancelled by support: prohibited content",
    ARBITRATION_REFUND: "Arbitration: full refund to the buyer",
}


def reason_label(code):
    if code in CANCEL_REASONS:
        return CANCEL_REASONS[code].label
    return SYSTEM_REASON_LABELS.get(code, code)


CANCEL_REASON_CHOICES = [(code, reason_label(code)) for code in [*CANCEL_REASONS, *SYSTEM_REASON_LABELS]]
