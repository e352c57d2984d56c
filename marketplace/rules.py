"""Every number of the marketplace rules (SPEC C1–C13), named once. Change them here only.

Decisions where the rule book leaves a detail open (documented here so they can be found and changed):

- C4 package price points: each category has a list of allowed buyer prices per tier (Economy, Standard,
  Business), kept as `PackagePricePoint` rows and edited in the admin. A subcategory without its own points
  uses its parent's; with none at all, `DEFAULT_PACKAGE_PRICE_POINTS` applies. A package price must be one
  of the points of its tier, and the tiers must cost Economy < Standard < Business.
- C5 quantity: the buyer may order several units of the Kwork; with a package, the package is the unit
  (package price × quantity). Options are added once per order. Lead time: the first unit takes the full
  lead time, each further unit half of it, rounded UP to whole days:
  `lead = L + (quantity - 1) * ceil(L / 2)`.
- C10 weekend hiding: a seller who turns on "hide my Kworks on weekends" has them hidden from Friday 00:00 UTC
  until Monday 00:00 UTC (Friday, Saturday and Sunday), the rule's "from Friday to Monday".
- C11(b): more than 12 orders in progress auto-pauses all the seller's active Kworks; they come back when only
  7 (or fewer) remain. Between 8 and 12 nothing changes (hysteresis).
- C11(a)/C14: in a category that requires a portfolio (its own setting or its parent's), a Kwork is auto-paused
  while its portfolio items are fewer than 50 % of its completed orders whose buyer allowed publishing (orders
  without that consent are left out; with none, nothing to count and no pause). It resumes at 50 %. Either
  automatic pause keeps the Kwork hidden until neither applies.
- C13: cart items older than 14 days are removed by a daily beat job.
"""

# P3: the seller's share is a payments rule (a lower layer; marketplace knows nothing of orders, but may read
# the money rules); re-exported here for the marketplace's texts ({% rule "marketplace.SELLER_SHARE_PERCENT" %}).
from payments.rules import SELLER_SHARE_PERCENT  # noqa: F401  (re-exported)

# C2: buyer price of one unit, in cents. The seller receives SELLER_SHARE_PERCENT of it.
KWORK_MIN_PRICE_CENTS = 1_000
KWORK_DEFAULT_PRICE_CENTS = 1_000
KWORK_MAX_PRICE_CENTS = 100_000
KWORK_DEFAULT_LEAD_TIME_DAYS = 3
KWORK_MAX_LEAD_TIME_DAYS = 30
KWORK_TITLE_MAX_LENGTH = 80
KWORK_TITLE_MIN_LENGTH = 10
KWORK_DESCRIPTION_MIN_LENGTH = 50
KWORK_DESCRIPTION_MAX_LENGTH = 5_000

# C3: extra options.
MAX_OPTIONS = 10
OPTION_MIN_PRICE_CENTS = 400  # pays the seller $3.20
OPTION_MAX_PRICE_CENTS = 20_000  # pays the seller $160.00

# C4: packages.
PACKAGE_TIERS = ("economy", "standard", "business")
DEFAULT_PACKAGE_PRICE_POINTS = {
    "economy": [1_000, 1_500, 2_000, 3_000],
    "standard": [2_000, 3_000, 5_000, 7_500],
    "business": [5_000, 7_500, 10_000, 15_000, 25_000],
}

# C5: quantity of units in one order.
MAX_QUANTITY = 10

# C6: media of a Kwork.
MAX_GALLERY_IMAGES = 8
MAX_KWORK_FILES = 5

# C8: limits on the number of Kworks.
MAX_IN_MODERATION_WITHOUT_ACTIVE = 10
MAX_KWORKS_WITHOUT_ORDERS = 20
MAX_KWORKS_NEWBIE = 20

# C10: weekend hiding window, weekday numbers as in datetime.weekday() (Monday = 0), UTC.
WEEKEND_HIDE_FROM_WEEKDAY = 4  # Friday 00:00 UTC
WEEKEND_HIDE_UNTIL_WEEKDAY = 0  # Monday 00:00 UTC

# C11(b): automatic pause by the number of orders in progress.
AUTOPAUSE_ABOVE_IN_PROGRESS = 12
AUTOPAUSE_RESUME_AT_IN_PROGRESS = 7

# C11(a): share of the consenting completed orders that must have a portfolio item, in percent.
PORTFOLIO_REQUIRED_PERCENT = 50
# C14: newest portfolio items shown on the Kwork page and the seller's profile.
PORTFOLIO_SHOWN = 12

# C12: catalogue.
CATALOGUE_PAGE_SIZE = 24
SEARCH_PAGE_SIZE = 24
SEARCH_QUERY_MAX_LENGTH = 100
SEARCH_TRIGRAM_THRESHOLD = 0.45  # pg_trgm similarity a vocabulary word needs to replace a misspelt one
SEARCH_CORRECTED_WORDS_MAX = 8  # words of one query the typo correction looks at
SEARCH_TERM_MIN_LENGTH = 3  # words of the typo vocabulary (shorter ones are too ambiguous to correct)
SEARCH_TERM_MAX_LENGTH = 100  # = SearchTerm.word's max_length
# Relevance ranks at most this many matches of the Top Rated ones and as many of the others (PostgreSQL): a
# broader search shows "more than" this many results (an exact count would read every matching row, what the
# bound saves), and its pages walk the ranked ones.
SEARCH_RANKED_MAX = 500
HOME_POPULAR_COUNT = 12
# The home page reads this many times HOME_POPULAR_COUNT ranked Kworks to show one per seller first.
HOME_POPULAR_CANDIDATES = 4
SELLER_PAGE_KWORKS = 24  # A9: Kworks on sale shown on the seller's public page
KWORK_VIEW_ONCE_SECONDS = 3600  # a Kwork page view counts once per visitor per hour (conversion)
# Category and search result grids, the same for everyone (hearts are put in per person; marketplace/caching.py).
# Their key carries the catalogue version, which every change of a listing or of what a card shows bumps; so
# this only bounds what waits in the cache (and how late the "seller seen this week" filter may be).
GRID_CACHE_SECONDS = 300
# A card fragment's key holds everything the card shows, so it is never stale; this only lets unused ones go.
CARD_CACHE_SECONDS = 24 * 3600
# The catalogue filters' choices: only these values are accepted from the query string.
LEAD_TIME_FILTER_DAYS = (1, 3, 7, 14)
SELLER_RATING_FILTER_MINIMUMS = (4.0, 4.5, 4.8)
FEEDBACK_FILTER_MINIMUMS = (1, 10, 50)
LAST_SEEN_CHOICES_DAYS = (1, 7, 30)  # "seller activity": seen today, this week, this month
FILTER_PRICE_MAX_DOLLARS = 1_000_000  # a larger price filter is ignored (it would overflow the column)

# C13: cart items are kept this long.
CART_ITEM_KEEP_DAYS = 14

# T4 fair use of the marketplace's writes (POSTs per user).
RATE_FAVOURITE = "60/m"
RATE_CART = "60/m"
RATE_KWORK_EDIT = "60/m"
