"""Every number of the buyer requests rules, named once (SPEC Q1–Q4, C6)."""

from marketplace.rules import KWORK_MIN_PRICE_CENTS

OPEN_HOURS = 24  # Q1: an activated request takes offers for 24 hours
MAX_OPEN_PER_BUYER = 5  # Q1: requests a buyer may have waiting for moderation or open at once
BUDGET_MIN_CENTS = KWORK_MIN_PRICE_CENTS  # nothing on the site costs less than a Kwork
BUDGET_MAX_CENTS = 100_000_00
TITLE_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 3000
REJECT_REASON_MAX_LENGTH = 1000
OFFER_MESSAGE_MAX_LENGTH = 1500
MAX_FILES = 5  # C6: files attached to one request

# Q2: new requests in a seller's categories are gathered into one digest per seller per interval.
DIGEST_INTERVAL_MINUTES = 60
DIGEST_MAX_TITLES = 10  # titles named in one digest; the rest are counted
ALERTS_KEEP_DAYS = 30  # sent alerts are bookkeeping only

SWEEP_BATCH = 200  # Q1: requests closed per short transaction by the expiry sweep
PAGE_SIZE = 20

# T4 fair use: "count/period" per user for the POSTs of each action (common.ratelimit).
RATE_POST = "10/h"
RATE_OFFER = "30/h"
RATE_ORDER = "30/m"
