"""Every number of the reputation rules (SPEC R1–R12, O11, A10), named once. Change them here.

Decisions where the rule book leaves a detail open (the formulas themselves are in formulas.py):

- "Rated orders": the windows of R3, R4, R7 count only orders that can say something about the seller:
  completed orders, cancellations that count against the seller (O3, O5, O9/O10 negative reasons, arbitration
  refund) and arbitration lost. Cancellations "with no rating effect" (O2 quick cancel, O8 inactivity, the
  neutral O9/O10 reasons, C7 prohibited content) are left out entirely, so they neither help nor hurt.
- An order's place in a window is its finishing time (completion or cancellation), then its id.
- "Auto-cancellation" (R3) is O3: the seller did not start in time. O8 inactivity cancels with no effect.
- "Arbitration lost" (R3): the order went to arbitration and support refunded the buyer, fully or in part.
- R6 stars count only feedback (orders without feedback give none).
- R9's "seller with the highest rating" is checked over the R4 window.
"""

# --- R1 / O11: feedback -------------------------------------------------------------------------------------
FEEDBACK_WINDOW_DAYS = 14  # the buyer leaves feedback within 14 days of the order finishing (Fiverr, Upwork)
FEEDBACK_TEXT_MIN_LENGTH = 10
FEEDBACK_TEXT_MAX_LENGTH = 2_000
BUYER_RATING_MIN = 1  # the seller's private rating of the buyer
BUYER_RATING_MAX = 5
BUYER_RATING_MIN_COUNT = 3  # other sellers see the buyer's average once this many sellers' ratings exist

# --- R2: responses ------------------------------------------------------------------------------------------
RESPONSE_TEXT_MAX_LENGTH = 2_000
RESPONSE_REJECT_REASON_MAX_LENGTH = 500

# --- R3: responsibility, 0–100 over the last 30 rated orders -----------------------------------------------
RESPONSIBILITY_WINDOW = 30
# What one order costs (an order costs the largest of its faults, never more than one whole order).
RESPONSIBILITY_WEIGHT_DELAY = 0.5  # it was overdue at some point (O5)
RESPONSIBILITY_WEIGHT_AUTO_CANCEL = 1.0  # O3: not started in time
RESPONSIBILITY_WEIGHT_NEGATIVE_CANCEL = 1.0  # cancelled for a reason that counts against the seller
RESPONSIBILITY_WEIGHT_ARBITRATION_LOST = 1.0

# --- R4: overall rating, 0–100 over the last 80 rated orders -----------------------------------------------
RATING_WINDOW = 80
RATING_BASE = 50.0  # an order with nothing to say keeps the rating at the middle
RATING_SCALE = 50.0  # the average of the weights below (−1…+1) moves it this far either way
RATING_WEIGHT_POSITIVE = 1.0
RATING_WEIGHT_NEGATIVE = -1.0
RATING_WEIGHT_REPEAT = 0.5  # a completed order from a buyer who had completed one with this seller before

# --- R5 -------------------------------------------------------------------------------------------------------
# Average lead time over all completed orders; average time to start over all started orders (hours).

# --- R6: stars ------------------------------------------------------------------------------------------------
STARS_MAX = 5
STARS_FULL_SHARE_PERCENT = 95  # "all or nearly all" positive: at least 95 % positive gives five stars
STARS_STEP = 0.5  # stars are shown in halves

# --- R7: levels over the last 100 rated orders ---------------------------------------------------------------
LEVEL_WINDOW = 100
ADVANCED_MIN_COMPLETED_EXCLUSIVE = 10  # MORE than 10 completed …
ADVANCED_MAX_BAD_PERCENT_EXCLUSIVE = 10  # … and LESS than 10 % negative feedback or failed orders
PROFESSIONAL_MIN_COMPLETED_EXCLUSIVE = 50
PROFESSIONAL_MAX_BAD_PERCENT_EXCLUSIVE = 8

# --- R9: Top Rated Kwork ---------------------------------------------------------------------------------------
TOP_RATED_MIN_POSITIVE_COMPLETED = 20  # completed orders of the Kwork with positive feedback (all time)
TOP_RATED_MAX_WITHOUT_FEEDBACK_PERCENT = 20  # "few orders without feedback", over the R4 window

# --- R11 / A10: buyer levels and Super buyer -------------------------------------------------------------------
# (level, name, purchases needed); purchases = completed orders as the buyer.
BUYER_LEVELS = (
    (1, "Newbie buyer", 0),
    (2, "Proactive buyer", 7),
    (3, "Experienced buyer", 20),
    (4, "Heavy buyer", 50),
    (5, "Mega heavy buyer", 90),
)
SUPER_BUYER_MIN_PURCHASES = 12
SUPER_BUYER_WINDOW_DAYS = 90  # "the last three months"
SUPER_BUYER_BADGE = "super-buyer"  # accounts' automatic badge (A10)

# --- R12: boosting heuristics (flags for moderators, never automatic deletion) --------------------------------
BOOST_REPEAT_PAIR_MIN_ORDERS = 5  # the same buyer and seller finished this many orders …
BOOST_REPEAT_PAIR_WINDOW_DAYS = 7  # … within this many days
BOOST_YOUNG_ACCOUNT_DAYS = 7  # a buyer account younger than this leaving positive feedback
BOOST_SIMILAR_TEXT_RATIO = 0.9  # difflib ratio at or above which two feedback texts of one seller look alike
BOOST_SIMILAR_TEXT_MIN_LENGTH = 20  # shorter texts ("Great work, thanks!") are alike by nature
BOOST_SIMILAR_TEXT_LOOKBACK = 50  # a new feedback is compared with the seller's latest this many

# --- Recalculation -------------------------------------------------------------------------------------------
NIGHTLY_BATCH_SIZE = 500  # users per batch of the nightly recomputation (one short transaction each)
NIGHTLY_HOUR_UTC = 3
PAGE_SIZE = 10  # feedback per page (Kwork page, profile)

# --- T4 fair use of the ratings pages' writes (POSTs per user) ------------------------------------------------
RATE_WRITE = "30/m"  # feedback, private buyer ratings and responses
