"""Every number of individual offers (SPEC C15, R8, Q3's individual-offer half), named once. Change them here.

Decisions where the rule book leaves a detail open:

- An offer is built on one of the seller's own Kworks (as on Fiverr a custom offer is built on a gig): the order
  it becomes belongs to that Kwork, so the Kwork must still be orderable when the buyer accepts.
- The offer is a frozen snapshot: title, description, price, lead time and expiry never change after sending.
  The seller may withdraw it while it is pending; to change it they withdraw it and send a new one.
- "Expires" means: from `expires_at` on it cannot be accepted, even before the sweep has marked it expired.
- One pending offer per conversation; an offer in answer to a buyer request has no conversation.
"""

from marketplace import hooks

# C15: who may send an individual offer (R8: never a Newbie).
LEVELS_ALLOWED = (hooks.ADVANCED, hooks.PROFESSIONAL)

PRICE_MIN_CENTS = 1_000  # $10
PRICE_MAX_CENTS = 100_000  # $1000

LEAD_TIME_MIN_DAYS = 1
LEAD_TIME_MAX_DAYS = 30

TITLE_MIN_LENGTH = 5
TITLE_MAX_LENGTH = 100
DESCRIPTION_MIN_LENGTH = 20
DESCRIPTION_MAX_LENGTH = 3_000

# How long the buyer has to accept: a few days unless the seller chooses otherwise, within these bounds.
EXPIRY_DEFAULT_DAYS = 3
EXPIRY_MIN_DAYS = 1
EXPIRY_MAX_DAYS = 14

# The expiry sweep: every few minutes, in batches of locked rows (skip_locked).
SWEEP_EVERY_MINUTES = 5
SWEEP_BATCH_SIZE = 500

# Rate limits of the pages (common.ratelimit).
RATE_CREATE = "30/h"
RATE_ACT = "60/h"
RATE_ASK = "20/h"

# What the buyer's "ask for an individual offer" prefills (the seller's latest Kwork title follows it).
ASK_MESSAGE = "Hello! I would like an individual offer for "
