"""Small reads of ratings for other apps' selectors and views (the pages' own selectors are in selectors.py):
a seller's or buyer's figures, an order's feedback, R11's visibility of the buyer level, and the "Your level"
report (R7: what is missing for the next level and which orders lowered each figure)."""

from dataclasses import dataclass, field

from orders.models import Order

from . import formulas, rules
from .models import BuyerStats, Feedback, SellerStats

LEVEL_NAMES = dict(SellerStats.Level.choices)
NEXT_LEVEL = {
    formulas.NEWBIE: (
        formulas.ADVANCED,
        rules.ADVANCED_MIN_COMPLETED_EXCLUSIVE,
        rules.ADVANCED_MAX_BAD_PERCENT_EXCLUSIVE,
    ),
    formulas.ADVANCED: (
        formulas.PROFESSIONAL,
        rules.PROFESSIONAL_MIN_COMPLETED_EXCLUSIVE,
        rules.PROFESSIONAL_MAX_BAD_PERCENT_EXCLUSIVE,
    ),
}


def _pk(user):
    return getattr(user, "pk", user)


def stats_for(seller):
    """The seller's figures (an unsaved row of defaults when none were computed yet: a Newbie with no data)."""
    return SellerStats.objects.filter(seller_id=_pk(seller)).first() or SellerStats(seller_id=_pk(seller))


def buyer_stats_for(buyer):
    return BuyerStats.objects.filter(buyer_id=_pk(buyer)).first() or BuyerStats(buyer_id=_pk(buyer))


def feedback_of(order):
    """The order's feedback (removed or not), or None."""
    try:
        return order.feedback
    except Feedback.DoesNotExist:
        return None


def visible_feedback(qs=None):
    return (Feedback.objects.all() if qs is None else qs).filter(removed_at__isnull=True)


def buyer_level_visible_to(*, buyer, viewer, stats=None):
    """R11: a user who mostly sells shows the buyer level only to sellers they bought from (and to themself)."""
    stats = stats or buyer_stats_for(buyer)
    if not stats.mostly_sells:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.pk == _pk(buyer):
        return True
    return Order.objects.filter(buyer_id=_pk(buyer), seller_id=viewer.pk).exists()


@dataclass
class LoweringOrder:
    order_id: int
    title: str
    why: str


@dataclass
class LevelReport:
    level: str
    level_name: str
    next_level: str | None
    next_level_name: str | None
    window_orders: int
    window_completed: int
    window_bad: int
    bad_percent: float | None
    responsibility: float | None
    rating: float | None
    missing: list = field(default_factory=list)
    lowering: dict = field(default_factory=dict)  # "responsibility" / "rating" / "level" -> [LoweringOrder]


def level_report(*, seller):
    """R7 for the seller's own "Your level" page: current figures, what is missing for the next level, and the
    orders that lowered responsibility (R3), the rating (R4) and the level (R7), newest first."""
    facts = formulas.rated(_facts(seller))
    orders, completed, bad = formulas.level_window_figures(facts)
    level = formulas.level_from(orders, completed, bad)
    report = LevelReport(
        level=level,
        level_name=LEVEL_NAMES[level],
        next_level=None,
        next_level_name=None,
        window_orders=orders,
        window_completed=completed,
        window_bad=bad,
        bad_percent=round(100.0 * bad / orders, 1) if orders else None,
        responsibility=formulas.responsibility(facts),
        rating=formulas.rating(facts),
    )
    if level in NEXT_LEVEL:
        target, min_completed, max_bad = NEXT_LEVEL[level]
        report.next_level, report.next_level_name = target, LEVEL_NAMES[target]
        if completed <= min_completed:
            more = min_completed + 1 - completed
            report.missing.append(f"{more} more completed order{'s' if more != 1 else ''}")
        if orders and bad * 100 >= max_bad * orders:
            report.missing.append(
                f"fewer orders with negative feedback or cancelled against you: under {max_bad} % of your last "
                f"{rules.LEVEL_WINDOW} orders (now {report.bad_percent:g} %)"
            )
    newest_first = lambda items: sorted(items, key=lambda f: (f.finished_at, f.id), reverse=True)  # noqa: E731
    report.lowering["responsibility"] = [
        LoweringOrder(f.id, f.title, ", ".join(why for _, why in formulas.responsibility_faults(f)))
        for f in newest_first(facts[-rules.RESPONSIBILITY_WINDOW :])
        if formulas.responsibility_cost(f)
    ]
    report.lowering["rating"] = [
        LoweringOrder(f.id, f.title, "negative feedback")
        for f in newest_first(facts[-rules.RATING_WINDOW :])
        if f.feedback is False
    ]
    report.lowering["level"] = [
        LoweringOrder(f.id, f.title, _bad_why(f))
        for f in newest_first(facts[-rules.LEVEL_WINDOW :])
        if formulas.is_bad(f)
    ]
    return report


def _bad_why(fact):
    reasons = []
    if fact.feedback is False:
        reasons.append("negative feedback")
    if fact.arbitration_lost:
        reasons.append("lost in arbitration")
    elif fact.cancelled_against_seller:
        reasons.append("cancelled for a reason against you")
    return ", ".join(reasons)


def _facts(seller):
    from .services.recompute import facts_for_sellers

    return facts_for_sellers([_pk(seller)], titles=True).get(_pk(seller), [])
