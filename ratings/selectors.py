"""Reads of the ratings pages (R1, R2, R6, R9–R11): feedback lists of the Kwork page and the seller's public
page, the seller's figures, the order page's feedback panel and buyer card, and "Your level". Each list makes
the same number of queries for 1 or 50 feedbacks (select_related, one portfolio query per page)."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils import timezone

from marketplace.portfolio_selectors import portfolio_items_attach

from . import policy, reads, rules
from .models import BuyerRating, Feedback, FeedbackResponse

# The list's filter (query parameter FILTER_PARAM) and page (PAGE_PARAM): their own names, so they never clash
# with the Kwork page's order form (quantity, options, package) or another list's page.
FILTER_PARAM = "feedback"
PAGE_PARAM = "fpage"
KINDS = {"all": None, "positive": True, "negative": False}


def kind_from(raw):
    return raw if raw in KINDS else "all"


def _visible(*, kwork=None, seller=None):
    queryset = Feedback.objects.filter(removed_at__isnull=True)
    if kwork is not None:
        return queryset.filter(kwork=kwork)
    return queryset.filter(seller=seller)


def feedback_counts(*, kwork=None, seller=None):
    """{"all": n, "positive": n, "negative": n} of visible feedback, one query."""
    counts = _visible(kwork=kwork, seller=seller).aggregate(
        all=Count("pk"), positive=Count("pk", filter=Q(is_positive=True))
    )
    counts["negative"] = counts["all"] - counts["positive"]
    return counts


@dataclass
class FeedbackList:
    page: object  # a Paginator page of Feedback rows (buyer, kwork and response joined, portfolio_item set)
    kind: str
    counts: dict
    show_kwork: bool  # the profile names the Kwork of each feedback; the Kwork page does not need to

    LABELS = {"all": "All", "positive": "Positive", "negative": "Negative"}

    @property
    def tabs(self):
        """(kind, label, count, query) for the filter links."""
        return [
            (kind, self.LABELS[kind], self.counts[kind], f"{FILTER_PARAM}={kind}" if kind != "all" else "")
            for kind in KINDS
        ]

    @property
    def filter_query(self):
        """The query string of the current filter (the page links add their page to it)."""
        return f"{FILTER_PARAM}={self.kind}&" if self.kind != "all" else ""


def feedback_list(*, kwork=None, seller=None, kind="all", page_number=1):
    """R1/R2: visible feedback newest first, filtered (positive/negative), one page, with the approved response
    and the portfolio picture of the order (C14). Queries: counts, page rows, portfolio items — whatever the
    number of feedbacks."""
    kind = kind_from(kind)
    counts = feedback_counts(kwork=kwork, seller=seller)
    queryset = _visible(kwork=kwork, seller=seller).select_related("buyer", "kwork", "response")
    queryset = queryset.only(
        "pk",
        "order_id",
        "is_positive",
        "text",
        "created_at",
        "kwork__id",
        "kwork__title",
        "buyer__id",
        "buyer__username",
        "buyer__display_name",
        "buyer__avatar",
        "response__id",
        "response__text",
        "response__status",
        "response__created_at",
    ).order_by("-created_at", "-id")
    if KINDS[kind] is not None:
        queryset = queryset.filter(is_positive=KINDS[kind])
    paginator = Paginator(queryset, rules.PAGE_SIZE)
    paginator.__dict__["count"] = counts[kind]  # counted above (Paginator.count is a cached property)
    page = paginator.get_page(page_number)
    rows = list(page.object_list)
    for row in rows:
        row.public_response = _approved_response(row)
    portfolio_items_attach(rows)
    page.object_list = rows
    return FeedbackList(page=page, kind=kind, counts=counts, show_kwork=kwork is None)


def _approved_response(feedback):
    try:
        response = feedback.response
    except FeedbackResponse.DoesNotExist:
        return None
    return response if response.status == FeedbackResponse.Status.APPROVED else None


def seller_figures(seller):
    """R6, R7, R10 of the seller (an unsaved default row before the first recomputation): one query."""
    return reads.stats_for(seller)


# --- the order page ---------------------------------------------------------------------------------------


@dataclass
class OrderFeedbackPanel:
    role: str | None
    feedback: Feedback | None
    response: FeedbackResponse | None
    feedback_refusal: str | None  # None: the buyer may leave feedback now
    feedback_deadline: object
    buyer_rating: BuyerRating | None
    can_rate_buyer: bool
    can_respond: bool
    finished: bool

    @property
    def can_leave_feedback(self):
        return self.role == "buyer" and self.feedback_refusal is None

    @property
    def is_empty(self):
        """Nothing to show this person (an order still running, with no feedback)."""
        return not (
            self.feedback
            or self.feedback_deadline  # feedback can be (or could have been) left: say so
            or self.can_rate_buyer
            or self.buyer_rating
        )

    @property
    def waiting_for_feedback(self):
        """The seller's view: no feedback yet, and the buyer's time to leave it runs."""
        return (
            self.feedback is None
            and self.feedback_deadline is not None
            and timezone.now() <= self.feedback_deadline
        )


def order_feedback_panel(*, order, user):
    """R1/R2/O11 for the order page: what this party sees and may do now."""
    role = order.party_of(user)
    # Feedback and the buyer's rating are given once the order is finished, a state it never leaves: before,
    # there is nothing to read (the order page of a running order asks no question about them).
    finished = policy.finished_at(order) is not None
    feedback = (
        Feedback.objects.select_related("response").filter(order_id=order.pk).first()
        if role is not None and finished
        else None
    )
    response = None
    if feedback is not None:
        try:
            response = feedback.response
        except FeedbackResponse.DoesNotExist:
            response = None
    buyer_rating = BuyerRating.objects.filter(order_id=order.pk).first() if role == "seller" and finished else None
    # The policy reads them from the order: cached on it, "none" included, so it makes no second query.
    if role is not None:
        type(order).feedback.related.set_cached_value(order, feedback)
    if role == "seller":
        type(order).buyer_rating.related.set_cached_value(order, buyer_rating)
    return OrderFeedbackPanel(
        role=role,
        feedback=feedback,
        response=response,
        feedback_refusal=policy.feedback_refusal(order=order, user=user) if role == "buyer" else None,
        feedback_deadline=policy.feedback_deadline(order),
        buyer_rating=buyer_rating,
        can_rate_buyer=role == "seller" and buyer_rating is None and finished,
        can_respond=feedback is not None and policy.response_allowed(feedback=feedback, user=user),
        finished=finished,
    )


@dataclass
class BuyerCard:
    """R11 and R1's private ratings, as a seller sees the buyer of their order."""

    stats: object
    show_level: bool
    rating_avg: float | None
    rating_count: int
    min_count: int = rules.BUYER_RATING_MIN_COUNT


def buyer_card(*, buyer, viewer):
    stats = reads.buyer_stats_for(buyer)
    enough = stats.rating_avg is not None and stats.rating_count >= rules.BUYER_RATING_MIN_COUNT
    return BuyerCard(
        stats=stats,
        show_level=reads.buyer_level_visible_to(buyer=buyer, viewer=viewer),
        rating_avg=stats.rating_avg if enough else None,
        rating_count=stats.rating_count,
    )


def buyer_level_for_profile(*, person, viewer):
    """R11 on the public page: the buyer level and Super buyer, or None when this viewer may not see it."""
    if not reads.buyer_level_visible_to(buyer=person, viewer=viewer):
        return None
    return reads.buyer_stats_for(person)


def level_report(*, seller):
    """ "Your level" (R7): figures, what is missing for the next level, the orders that lowered each figure."""
    return reads.level_report(seller=seller)
