"""Every figure of a seller and a Kwork (SPEC R3–R7, R9, R10) and of a buyer (R11), as pure functions over a
list of order facts. No database here: `services/recompute.py` loads the facts and writes the results, and the
tests feed hand-made histories. Every window and weight is named in `rules.py`.

Inputs are only what the orders app records (status and times, `was_overdue`, `auto_cancelled`,
`cancel_reason`, `counts_against_seller`, the arbitration outcome) and the visible feedback. Nothing guessed.

Definitions (see also the decisions at the top of rules.py):

- A *rated* order is a completed order, a cancellation that counts against the seller, or an arbitration lost.
  Other cancellations have "no rating effect" (O2, O8, neutral O9/O10 reasons) and are left out of every window.
- A *failed* order is a cancellation that counts against the seller or an arbitration lost (the buyer was
  refunded, fully or in part, by support).
- Windows take the last N rated orders by finishing time (completion or cancellation), then id.

R3 responsibility (0–100) over the last RESPONSIBILITY_WINDOW rated orders:
    100 × (1 − Σ cost(order) / n), where an order costs the largest of its faults: overdue at some point
    (RESPONSIBILITY_WEIGHT_DELAY), not started in time (…_AUTO_CANCEL), cancelled against the seller
    (…_NEGATIVE_CANCEL), arbitration lost (…_ARBITRATION_LOST). None with no rated orders.
R4 overall rating (0–100) over the last RATING_WINDOW rated orders:
    RATING_BASE + RATING_SCALE × clamp(Σ weight(order) / n, −1, 1), an order weighing RATING_WEIGHT_POSITIVE
    or RATING_WEIGHT_NEGATIVE by its feedback, plus RATING_WEIGHT_REPEAT when it is a repeat order (completed
    for a buyer who had completed one with this seller before). None with no rated orders. A Kwork's rating is
    the same over the Kwork's own rated orders.
R5 average lead time: mean of (completed − started) over every completed order, in hours; average time to
    start: mean of (started − placed) over every started order, in hours.
R6 stars over the visible feedback: STARS_MAX when at least STARS_FULL_SHARE_PERCENT is positive, else
    STARS_MAX × share rounded down to STARS_STEP. None without feedback (orders without feedback give none).
R7 level over the last LEVEL_WINDOW rated orders: "bad" orders are those with negative feedback or failed.
    Professional: completed > PROFESSIONAL_MIN_COMPLETED_EXCLUSIVE and bad% < PROFESSIONAL_MAX_BAD_PERCENT_…;
    Advanced: completed > ADVANCED_MIN_COMPLETED_EXCLUSIVE and bad% < ADVANCED_MAX_BAD_PERCENT_…; else Newbie.
    Percentages are compared exactly (integers), never as rounded floats.
R9 Top Rated: the seller has, over the R4 window, no negative feedback, no overdue order, no failed order and
    at most TOP_RATED_MAX_WITHOUT_FEEDBACK_PERCENT of completed orders without feedback; the Kwork has at least
    TOP_RATED_MIN_POSITIVE_COMPLETED completed orders with positive feedback.
R10 completed (all time), positive and negative feedback (visible), successfully completed % = completed and
    not lost in arbitration ÷ rated orders, submitted on time % = completed never overdue ÷ completed.
R11 buyer level by purchases (completed orders bought), Super buyer by purchases within
    SUPER_BUYER_WINDOW_DAYS.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orders.rules import AUTO_UNACCEPTED

from . import rules

COMPLETED = "completed"
CANCELLED = "cancelled"
NEWBIE, ADVANCED, PROFESSIONAL = "newbie", "advanced", "professional"


@dataclass
class OrderFact:
    """What ratings reads of one order (and its visible feedback: True, False or None). Not frozen: a frozen
    dataclass's __init__ costs three times as much, and the nightly pass builds a million of them."""

    id: int
    seller_id: int
    buyer_id: int
    kwork_id: int
    status: str
    placed_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    was_overdue: bool = False
    auto_cancelled: bool = False
    cancel_reason: str = ""
    counts_against_seller: bool = False
    arbitration_lost: bool = False
    feedback: bool | None = None
    title: str = field(default="", compare=False)

    # Derived once at construction (plain attributes: read many times by every window).
    is_completed: bool = field(init=False, repr=False, compare=False)
    finished_at: datetime | None = field(init=False, repr=False, compare=False)
    not_started_in_time: bool = field(init=False, repr=False, compare=False)
    cancelled_against_seller: bool = field(init=False, repr=False, compare=False)
    failed: bool = field(init=False, repr=False, compare=False)
    is_rated: bool = field(init=False, repr=False, compare=False)
    completed_ok: bool = field(init=False, repr=False, compare=False)  # R10 "successfully completed"

    def __post_init__(self):
        completed = self.status == COMPLETED
        cancelled = self.status == CANCELLED
        self.is_completed = completed
        self.finished_at = self.completed_at if completed else self.cancelled_at
        self.not_started_in_time = cancelled and self.auto_cancelled and self.cancel_reason == AUTO_UNACCEPTED
        self.cancelled_against_seller = cancelled and self.counts_against_seller
        self.failed = self.cancelled_against_seller or self.arbitration_lost
        self.is_rated = completed or self.failed
        self.completed_ok = completed and not self.arbitration_lost


def _order_key(fact):
    return (fact.finished_at, fact.id)


def rated(facts):
    """The rated orders, oldest first by finishing time, then id."""
    return sorted((f for f in facts if f.is_rated), key=_order_key)


def window(facts, size, *, ordered=None):
    """The last `size` rated orders (oldest first); `ordered` = rated(facts) when the caller has it already."""
    return (rated(facts) if ordered is None else ordered)[-size:]


def repeat_ids(facts):
    """Ids of repeat orders: completed for a buyer who had completed an order with the same seller before."""
    seen = set()
    repeats = set()
    for fact in sorted((f for f in facts if f.is_completed), key=_order_key):
        key = (fact.seller_id, fact.buyer_id)
        if key in seen:
            repeats.add(fact.id)
        seen.add(key)
    return repeats


# --- R3 ---------------------------------------------------------------------------------------------------------


def responsibility_faults(fact):
    """[(weight, plain reason)] of one order (empty when it did nothing wrong)."""
    faults = []
    if fact.was_overdue:
        faults.append((rules.RESPONSIBILITY_WEIGHT_DELAY, "was late"))
    if fact.not_started_in_time:
        faults.append((rules.RESPONSIBILITY_WEIGHT_AUTO_CANCEL, "was not started in time"))
    elif fact.cancelled_against_seller and not fact.arbitration_lost:
        faults.append((rules.RESPONSIBILITY_WEIGHT_NEGATIVE_CANCEL, "was cancelled for a reason against you"))
    if fact.arbitration_lost:
        faults.append((rules.RESPONSIBILITY_WEIGHT_ARBITRATION_LOST, "was lost in arbitration"))
    return faults


def responsibility_cost(fact):
    return max((weight for weight, _ in responsibility_faults(fact)), default=0.0)


def responsibility(facts, *, ordered=None):
    orders = window(facts, rules.RESPONSIBILITY_WINDOW, ordered=ordered)
    if not orders:
        return None
    cost = sum(responsibility_cost(f) for f in orders)
    return round(max(0.0, 100.0 * (1 - cost / len(orders))), 2)


# --- R4 ---------------------------------------------------------------------------------------------------------


def rating_weight(fact, repeats):
    weight = 0.0
    if fact.feedback is True:
        weight += rules.RATING_WEIGHT_POSITIVE
    elif fact.feedback is False:
        weight += rules.RATING_WEIGHT_NEGATIVE
    if fact.id in repeats:
        weight += rules.RATING_WEIGHT_REPEAT
    return weight


def rating(facts, repeats=None, *, ordered=None):
    orders = window(facts, rules.RATING_WINDOW, ordered=ordered)
    if not orders:
        return None
    repeats = repeat_ids(facts) if repeats is None else repeats
    mean = sum(rating_weight(f, repeats) for f in orders) / len(orders)
    return round(rules.RATING_BASE + rules.RATING_SCALE * max(-1.0, min(1.0, mean)), 2)


# --- R5 ---------------------------------------------------------------------------------------------------------


def _mean_hours(deltas):
    deltas = list(deltas)
    if not deltas:
        return None
    return round(sum(d.total_seconds() for d in deltas) / len(deltas) / 3600, 2)


def avg_lead_time_hours(facts):
    return _mean_hours(f.completed_at - f.started_at for f in facts if f.is_completed and f.started_at)


def avg_start_hours(facts):
    return _mean_hours(f.started_at - f.placed_at for f in facts if f.started_at)


# --- R6 ---------------------------------------------------------------------------------------------------------


def stars(positive, negative):
    total = positive + negative
    if not total:
        return None
    if positive * 100 >= rules.STARS_FULL_SHARE_PERCENT * total:
        return float(rules.STARS_MAX)
    steps = int(rules.STARS_MAX * positive / total / rules.STARS_STEP)
    return steps * rules.STARS_STEP


# --- R7 ---------------------------------------------------------------------------------------------------------


def is_bad(fact):
    return fact.feedback is False or fact.failed


def level_window_figures(facts, *, ordered=None):
    """(orders, completed, bad) over the R7 window."""
    orders = window(facts, rules.LEVEL_WINDOW, ordered=ordered)
    return len(orders), sum(f.is_completed for f in orders), sum(is_bad(f) for f in orders)


def _below(bad, orders, percent):
    """bad / orders < percent %, exactly."""
    return bad * 100 < percent * orders


def level_from(orders, completed, bad):
    if completed > rules.PROFESSIONAL_MIN_COMPLETED_EXCLUSIVE and _below(
        bad, orders, rules.PROFESSIONAL_MAX_BAD_PERCENT_EXCLUSIVE
    ):
        return PROFESSIONAL
    if completed > rules.ADVANCED_MIN_COMPLETED_EXCLUSIVE and _below(
        bad, orders, rules.ADVANCED_MAX_BAD_PERCENT_EXCLUSIVE
    ):
        return ADVANCED
    return NEWBIE


def level(facts):
    return level_from(*level_window_figures(facts))


# --- R9 ---------------------------------------------------------------------------------------------------------


def top_rated_seller(facts, *, ordered=None):
    orders = window(facts, rules.RATING_WINDOW, ordered=ordered)
    completed = [f for f in orders if f.is_completed]
    if not completed:
        return False
    if any(f.feedback is False or f.was_overdue or f.failed for f in orders):
        return False
    without = sum(f.feedback is None for f in completed)
    return without * 100 <= rules.TOP_RATED_MAX_WITHOUT_FEEDBACK_PERCENT * len(completed)


def kwork_positive_completed(facts):
    return sum(f.is_completed and f.feedback is True for f in facts)


def kwork_top_rated(kwork_facts, seller_top_rated):
    return seller_top_rated and kwork_positive_completed(kwork_facts) >= rules.TOP_RATED_MIN_POSITIVE_COMPLETED


# --- R10 --------------------------------------------------------------------------------------------------------


def success_percent(facts, *, ordered=None):
    orders = rated(facts) if ordered is None else ordered
    if not orders:
        return None
    return round(100.0 * sum(f.completed_ok for f in orders) / len(orders), 2)


def on_time_percent(facts):
    completed = [f for f in facts if f.is_completed]
    if not completed:
        return None
    return round(100.0 * sum(not f.was_overdue for f in completed) / len(completed), 2)


# --- everything of one seller, one Kwork ------------------------------------------------------------------------


def seller_figures(facts, *, removed_feedback_count=0):
    """Every SellerStats figure from the seller's facts (all their orders)."""
    repeats = repeat_ids(facts)
    ordered = rated(facts)  # sorted once for every window
    positive = sum(f.feedback is True for f in facts)
    negative = sum(f.feedback is False for f in facts)
    orders, completed, bad = level_window_figures(facts, ordered=ordered)
    return {
        "responsibility": responsibility(facts, ordered=ordered),
        "rating": rating(facts, repeats, ordered=ordered),
        "stars": stars(positive, negative),
        "avg_lead_time_hours": avg_lead_time_hours(facts),
        "avg_start_hours": avg_start_hours(facts),
        "completed_count": sum(f.is_completed for f in facts),
        "positive_count": positive,
        "negative_count": negative,
        "removed_feedback_count": removed_feedback_count,
        "success_percent": success_percent(facts, ordered=ordered),
        "on_time_percent": on_time_percent(facts),
        "level": level_from(orders, completed, bad),
        "level_window_orders": orders,
        "level_window_completed": completed,
        "level_window_bad": bad,
        "top_rated_seller": top_rated_seller(facts, ordered=ordered),
    }


def kwork_figures(kwork_facts, *, seller_repeats, seller_top_rated):
    """A Kwork's own figures (its rating, visible feedback, completed orders, Top Rated)."""
    return {
        "rating": rating(kwork_facts, seller_repeats) or 0.0,
        "feedback_count": sum(f.feedback is not None for f in kwork_facts),
        "orders_count": sum(f.is_completed for f in kwork_facts),
        "top_rated": kwork_top_rated(kwork_facts, seller_top_rated),
    }


# --- R11 --------------------------------------------------------------------------------------------------------


def buyer_level(purchases):
    return max(level for level, _, needed in rules.BUYER_LEVELS if purchases >= needed)


def super_buyer(recent_purchases):
    return recent_purchases >= rules.SUPER_BUYER_MIN_PURCHASES


def super_buyer_since(now):
    return now - timedelta(days=rules.SUPER_BUYER_WINDOW_DAYS)
