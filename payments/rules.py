"""Every number of the payments rules, named once (SPEC P1–P9). Amounts are integer cents (USD)."""

from django.conf import settings

# P3: the seller receives 80 % of the buyer price; the platform keeps the rest (rounding goes to the seller's
# floor, so the platform's share absorbs the odd cent: $0.05 → seller 4¢, platform 1¢).
SELLER_SHARE_PERCENT = 80
PLATFORM_SHARE_PERCENT = 100 - SELLER_SHARE_PERCENT  # for texts; the ledger derives the platform's part

# P4: card payouts cost 4.5 % (in basis points, rounded half up to the cent), kept by the platform.
WITHDRAWAL_CARD_FEE_BASIS_POINTS = 450
# P4: the smallest withdrawal; settings.PAYMENTS_WITHDRAWAL_MIN_CENTS overrides it per environment.
WITHDRAWAL_MIN_CENTS = 1000
# P4: approved requests are paid in batches on Mondays, Wednesdays and Fridays (Python weekday numbers,
# Monday = 0). The beat schedule and the texts are derived from this one tuple.
PAYOUT_WEEKDAYS = (0, 2, 4)
PAYOUT_BATCH_HOUR_UTC = 10
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# crontab's day_of_week ("mon,wed,fri"): names, because crontab's numbers start at Sunday = 0.
PAYOUT_DAYS_CRONTAB = ",".join(_WEEKDAY_NAMES[d][:3].lower() for d in PAYOUT_WEEKDAYS)


def _and_list(words):
    """["a", "b", "c"] → "a, b and c"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# "Mondays, Wednesdays and Fridays", for pages and notifications.
PAYOUT_DAYS_TEXT = _and_list([f"{_WEEKDAY_NAMES[d]}s" for d in PAYOUT_WEEKDAYS])

# P5: money added by card can be withdrawn one month after the top-up (30 days), and only to that card.
CARD_MONEY_HOLD_DAYS = 30

# P7: referral commissions, in basis points of the money paid from the buyer's main part, out of the
# platform's share.
REFERRAL_SALE_BASIS_POINTS = 250
REFERRAL_PURCHASE_BASIS_POINTS = 350
REFERRAL_ACTIVATION_DAYS = 180  # a referral becomes active by ordering or selling within 180 days
REFERRAL_ACTIVE_ATTACHED_YEARS = 3  # active referrals stay attached three years after sign-up
REFERRAL_ACTIVE_ATTACHED_DAYS = REFERRAL_ACTIVE_ATTACHED_YEARS * 365
REFERRAL_INACTIVE_ATTACHED_DAYS = 180  # inactive ones 180 days
REFERRAL_SESSION_KEY = "referral_partner_id"

# P1: limits of one top-up.
TOPUP_MIN_CENTS = 100
TOPUP_MAX_CENTS = 1_000_000
CURRENCY = "usd"

# P9 ledger: each system account (escrow, platform revenue, Stripe clearing, payouts, promotions) is split into
# this many rows, picked by a stable hash of the posting's reference, so that two orders' postings rarely lock
# the same row. Changing it is safe: money leaves escrow and payouts from the row it entered. 64 rather than 16:
# with 8 postings at once, 16 rows still put two of them on one row most of the time (bench/payments_escrow.py:
# sessions waiting on a lock 0.6–1.1 → 0.3).
SYSTEM_ACCOUNT_SHARDS = 64

# Page sizes.
STATEMENT_PAGE_SIZE = 25
BACKOFFICE_PAGE_SIZE = 25
REFERRAL_COMMISSIONS_PAGE_SIZE = 25
WITHDRAWALS_SHOWN = 20  # the user's latest requests on the withdraw page
PAYOUT_BATCHES_SHOWN = 10  # the latest batches on the back-office page
STATEMENT_CSV_CHUNK = 500  # rows read per query while streaming the statement CSV
# A statement of at most this many entries downloads at once (seconds of work at most); a longer one is
# written to a file by a Celery task and offered when ready, instead of holding a web worker.
STATEMENT_CSV_DIRECT_MAX_ROWS = 5_000
STATEMENT_EXPORT_WAIT_SECONDS = 15 * 60  # a file not ready after this is taken as failed (ask again)
STATEMENT_EXPORT_POLL_SECONDS = 2  # how often the page asks whether the file is ready

# Rate limits of the money forms (POSTs per client, common.ratelimit syntax).
RATE_PROMO = "10/m"
RATE_TOPUP = "10/m"
RATE_WITHDRAW = "10/m"
RATE_PAYOUT_DETAILS = "5/h"
RATE_STATEMENT_EXPORT = "6/h"


def test_topup_enabled():
    """P1: the clearly labelled test-mode top-up. On by default only with DEBUG and no Stripe key; a test may
    switch it on with PAYMENTS_TEST_TOPUP = True; production.py forces it off."""
    explicit = getattr(settings, "PAYMENTS_TEST_TOPUP", None)
    if explicit is not None:
        return bool(explicit)
    return bool(settings.DEBUG and not settings.STRIPE_SECRET_KEY)


def stripe_enabled():
    return bool(settings.STRIPE_SECRET_KEY)


def withdrawal_min_cents():
    return int(getattr(settings, "PAYMENTS_WITHDRAWAL_MIN_CENTS", WITHDRAWAL_MIN_CENTS))


def card_fee_percent():
    """P4: the card payout fee as a percentage for pages (4.5)."""
    return WITHDRAWAL_CARD_FEE_BASIS_POINTS / 100


def card_fee_cents(amount_cents):
    """P4: 4.5 % of the amount, rounded half up to the cent."""
    return (amount_cents * WITHDRAWAL_CARD_FEE_BASIS_POINTS + 5000) // 10000


def seller_share_cents(amount_cents):
    """P3: the seller's share of `amount_cents` (SELLER_SHARE_PERCENT, rounded down to the cent). The one place
    it is computed: the ledger, the price quotes and the order pages all call this."""
    return amount_cents * SELLER_SHARE_PERCENT // 100


def basis_points_of(amount_cents, basis_points):
    return amount_cents * basis_points // 10000
