"""Reads of the buyer requests pages (Q1–Q4), each with a constant number of queries. Another buyer's waiting or
rejected request is a 404, as is anything never published to a stranger."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from accounts.roles import is_moderator
from marketplace import hooks
from marketplace.models import Category, Kwork

from .models import BuyerRequest, RequestFile, RequestOffer, RequestSubscription

Status = BuyerRequest.Status


def _with_counts(qs):
    return qs.select_related("subcategory__parent", "buyer").annotate(offers_count=Count("offers", distinct=True))


def requests_open(*, seller=None, category=None, budget_min_cents=None, budget_max_cents=None, now=None):
    """Q2: the sellers' "Requests from buyers": open requests, newest first, with how many offers each has and
    whether `seller` already answered it. `category` is a category (its subcategories too) or a subcategory."""
    now = now or timezone.now()
    qs = BuyerRequest.objects.filter(status=Status.ACTIVE, active_until__gt=now)
    if category is not None:
        qs = qs.filter(Q(subcategory=category) | Q(subcategory__parent=category))
    if budget_min_cents is not None:
        qs = qs.filter(budget_cents__gte=budget_min_cents)
    if budget_max_cents is not None:
        qs = qs.filter(budget_cents__lte=budget_max_cents)
    qs = _with_counts(qs)
    if seller is not None and seller.is_authenticated:
        qs = qs.annotate(answered=Exists(RequestOffer.objects.filter(request=OuterRef("pk"), seller=seller)))
    return qs.order_by("-activated_at", "-pk")


def requests_of_buyer(*, buyer):
    """Q1: the buyer's own requests in every state, with their offer counts."""
    return _with_counts(BuyerRequest.objects.filter(buyer=buyer)).order_by("-created_at", "-pk")


def request_get_for(*, user, pk):
    """The request page: its buyer sees it in every state; others only once it was published (open, closed
    early or expired), and moderators too. Anything else is a 404."""
    request = (
        BuyerRequest.objects.select_related("subcategory__parent", "buyer", "moderated_by")
        .prefetch_related(Prefetch("files", queryset=RequestFile.objects.order_by("pk")))
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("No such request.")
    if user.is_authenticated and (request.buyer_id == user.pk or request.was_published or is_moderator(user)):
        return request
    raise Http404("No such request.")


def offers_for_buyer(*, request):
    """Q4: every offer on the request with its seller's card (level, rating, response time) and its Kwork or
    individual offer, in one query."""
    return list(
        RequestOffer.objects.filter(request=request)
        .select_related("seller__seller_stats", "kwork", "individual_offer", "order")
        .order_by("created_at", "pk")
    )


def offer_of_seller(*, request, seller):
    if not seller.is_authenticated:
        return None
    return (
        RequestOffer.objects.filter(request=request, seller=seller)
        .select_related("kwork", "individual_offer", "order")
        .first()
    )


def seller_kworks_for(*, seller, request):
    """Q3: the seller's active Kworks in the request's category (what they may offer)."""
    return list(
        Kwork.objects.filter(
            seller=seller, status=Kwork.Status.ACTIVE, category__parent_id=request.subcategory.parent_id
        ).order_by("title", "pk")
    )


def seller_active_kworks(*, seller):
    """C15: the Kworks an individual offer may be built on (any category)."""
    return list(Kwork.objects.filter(seller=seller, status=Kwork.Status.ACTIVE).order_by("title", "pk"))


def seller_card(seller):
    """The figures shown next to an offer: level, rating and response time (ratings.SellerStats when there).
    The level comes from the stats row loaded with the offer (one query for all offers)."""
    stats = getattr(seller, "seller_stats", None)  # no row yet: RelatedObjectDoesNotExist is an AttributeError
    level = stats.level if stats is not None else hooks.NEWBIE
    return {
        "level": level,
        "level_label": {
            hooks.NEWBIE: "Newbie",
            hooks.ADVANCED: "Advanced",
            hooks.PROFESSIONAL: "Professional",
        }.get(level, level.title()),
        "stars": getattr(stats, "stars", None),
        "rating": getattr(stats, "rating", None),
        "completed": getattr(stats, "completed_count", 0),
        "response_text": _response_text(getattr(stats, "first_response_median_seconds", None)),
    }


def _response_text(seconds):
    """The seller's usual first answer (M2 figures, once the inbox fills them): "within about 3 hours"."""
    if seconds is None:
        return ""
    hours = round(seconds / 3600)
    if hours < 1:
        return "within an hour"
    return f"within about {hours} hour{'s' if hours != 1 else ''}"


def categories_for_settings():
    """Q2: the categories with their subcategories, for the subscriptions form."""
    return list(
        Category.objects.filter(parent__isnull=True).prefetch_related("children").order_by("position", "name")
    )


def subscribed_category_ids(*, seller):
    return set(RequestSubscription.objects.filter(seller=seller).values_list("category_id", flat=True))
