"""Reads of the marketplace, shaped so each page makes the same number of queries for 1 or 50 Kworks."""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from . import rules
from .models import (
    Attribute,
    CartItem,
    Category,
    Favourite,
    Kwork,
    KworkAttributeValue,
    KworkImage,
    KworkOption,
    SellerProfile,
)
from .pricing import price_quote
from .services import is_weekend_window

SORTS = {
    "relevance": ("Relevance", ["-top_rated", "-seller_rating", "-rating", "-id"]),
    "rating": ("Rating", ["-rating", "-feedback_count", "-id"]),
    "price": ("Price: low to high", ["price_cents", "id"]),
    "-price": ("Price: high to low", ["-price_cents", "-id"]),
    "new": ("Newest", ["-id"]),
}


def _gallery_prefetch():
    return Prefetch("images", queryset=KworkImage.objects.filter(pending=False), to_attr="gallery")


def listed_kworks(now=None):
    """C9–C11: what the catalogue shows: active, not auto-paused, not hidden for the weekend (the flag of the
    beat job, and the seller's setting checked directly in the weekend window so a late job hides nothing)."""
    queryset = Kwork.objects.filter(status=Kwork.Status.ACTIVE, auto_paused=False, weekend_hidden=False)
    if is_weekend_window(now):
        queryset = queryset.filter(seller_hides_weekends=False)
    return queryset


CARD_DEFERRED = ("description", "instructions", "search_vector", "pending_changes", "reject_note")


def _cards(queryset):
    """Kwork cards: seller and category joined, gallery prefetched; the long text columns are not loaded."""
    return (
        queryset.select_related("seller", "category").defer(*CARD_DEFERRED).prefetch_related(_gallery_prefetch())
    )


def categories_tree():
    children = Category.objects.order_by("position", "name")
    return Category.objects.filter(parent__isnull=True).prefetch_related(Prefetch("children", queryset=children))


def category_get(*, slug):
    category = Category.objects.select_related("parent").filter(slug=slug).first()
    if category is None:
        raise Http404("No such category.")
    return category


@dataclass
class CatalogueFilters:
    """C12 filters parsed from the query string (shareable URLs)."""

    price_min: int | None = None
    price_max: int | None = None
    lead_max: int | None = None
    rating_min: float | None = None
    feedback_min: int | None = None
    seen_days: int | None = None
    attributes: dict = field(default_factory=dict)  # attribute slug -> set of choice slugs
    sort: str = "relevance"

    @classmethod
    def from_query(cls, params, attributes=()):
        def number(name, kind=int):
            try:
                value = kind(params.get(name, ""))
            except (TypeError, ValueError):
                return None
            return value if value >= 0 else None

        filters = cls(
            price_min=number("price_min"),
            price_max=number("price_max"),
            lead_max=number("lead"),
            rating_min=number("rating", float),
            feedback_min=number("feedback"),
            seen_days=number("seen"),
            sort=params.get("sort") if params.get("sort") in SORTS else "relevance",
        )
        for attribute in attributes:
            chosen = {value for value in params.getlist(attribute.slug) if value}
            if chosen:
                filters.attributes[attribute.slug] = chosen
        return filters

    @property
    def active(self):
        return any(
            value is not None
            for value in (
                self.price_min,
                self.price_max,
                self.lead_max,
                self.rating_min,
                self.feedback_min,
                self.seen_days,
            )
        ) or bool(self.attributes)


def apply_filters(queryset, filters, attributes=()):
    if filters.price_min is not None:
        queryset = queryset.filter(price_cents__gte=filters.price_min * 100)
    if filters.price_max is not None:
        queryset = queryset.filter(price_cents__lte=filters.price_max * 100)
    if filters.lead_max is not None:
        queryset = queryset.filter(lead_time_days__lte=filters.lead_max)
    if filters.rating_min:
        queryset = queryset.filter(seller_rating__gte=filters.rating_min)
    if filters.feedback_min:
        queryset = queryset.filter(seller_feedback_count__gte=filters.feedback_min)
    if filters.seen_days:
        since = timezone.now() - timedelta(days=filters.seen_days)
        recent = get_user_model().objects.filter(last_seen_at__gte=since).values("pk")
        queryset = queryset.filter(seller_id__in=recent)  # a semi-join: counts stay index-only
    by_slug = {attribute.slug: attribute for attribute in attributes}
    for slug, choice_slugs in filters.attributes.items():
        attribute = by_slug.get(slug)
        if attribute is None:
            continue
        ids = [choice.pk for choice in attribute.choices.all() if choice.slug in choice_slugs]
        queryset = queryset.filter(
            Exists(KworkAttributeValue.objects.filter(kwork=OuterRef("pk"), choice_id__in=ids))
        )
    return queryset


def category_attributes(category):
    if not category.is_subcategory:
        return []
    return list(Attribute.objects.filter(category=category).prefetch_related("choices"))


def catalogue_page(*, category, filters, attributes, page_number=1):
    """C12: the Kworks of a category (with its subcategories) filtered and sorted, one page."""
    queryset = listed_kworks()
    if category.is_subcategory:
        queryset = queryset.filter(category=category)
    else:
        queryset = queryset.filter(category_id__in=list(category.children.values_list("pk", flat=True)))
    queryset = apply_filters(queryset, filters, attributes).order_by(*SORTS[filters.sort][1])
    return Paginator(_cards(queryset), rules.CATALOGUE_PAGE_SIZE).get_page(page_number)


def corrected_query(query):
    """C12 typos: each word of the query replaced by the most similar word of listed Kworks (pg_trgm similarity
    over the SearchTerm vocabulary, one query). Returns the corrected words, or None when nothing is close."""
    words = [word for word in re.findall(r"[\w-]+", query.lower()) if len(word) > 2][:8]
    if not words:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (q.word) q.word, t.word FROM unnest(%s::text[]) AS q(word) "
            "JOIN marketplace_searchterm t ON t.word %% q.word "
            "ORDER BY q.word, similarity(t.word, q.word) DESC, t.documents DESC",
            [words],
        )
        best = dict(cursor.fetchall())
    corrected = [best.get(word) for word in words]
    if not all(corrected):
        return None
    return corrected


def kwork_search(*, query, filters=None, page_number=1):
    """C12: keyword search ranked by relevance.

    PostgreSQL: the stored tsvector (partial GIN index over listed Kworks) with websearch syntax, ranked by
    ts_rank, Top Rated Kworks first. When nothing matches (a typo), each word is replaced by the most similar
    word of the catalogue's vocabulary (pg_trgm, `corrected_query`) and the search runs again; the page says
    "showing results for …". The page is cut on the ranked id list, then its cards are loaded. Elsewhere
    (SQLite): icontains on title and description."""
    query = (query or "").strip()[:100]
    filters = filters or CatalogueFilters()
    if not query:
        page = Paginator(Kwork.objects.none(), rules.SEARCH_PAGE_SIZE).get_page(1)
        page.corrected = None
        return page
    listed = apply_filters(listed_kworks(), filters)
    corrected = None
    if connection.vendor == "postgresql":
        search = SearchQuery(query, search_type="websearch", config="english")
        queryset = listed.filter(search_vector=search)
        total = queryset.count()
        if total == 0:
            corrected = corrected_query(query)
            if corrected:
                search = SearchQuery(" & ".join(corrected), search_type="raw", config="english")
                queryset = listed.filter(search_vector=search)
                total = queryset.count()
        queryset = queryset.annotate(rank=SearchRank(F("search_vector"), search))
        relevance = ["-top_rated", "-rank", "-id"]
    else:
        queryset = listed.filter(Q(title__icontains=query) | Q(description__icontains=query))
        total = queryset.count()
        relevance = ["-top_rated", "-seller_rating", "-id"]
    order = relevance if filters.sort == "relevance" else SORTS[filters.sort][1]
    # Rank and cut the page on the narrow id list first, then load the page's cards (joins for 24 rows only).
    paginator = Paginator(queryset.order_by(*order).values_list("pk", flat=True), rules.SEARCH_PAGE_SIZE)
    paginator.__dict__["count"] = total  # already counted above (Paginator.count is a cached property)
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    cards = {kwork.pk: kwork for kwork in _cards(Kwork.objects.filter(pk__in=ids))}
    page.object_list = [cards[pk] for pk in ids if pk in cards]
    page.corrected = " ".join(corrected) if corrected and total else None
    return page


def home_popular():
    """C12: the most popular Kworks of the highest-rated sellers: seller responsibility, Kwork rating and
    conversion (fields kept by the ratings app), one Kwork per seller first."""
    queryset = listed_kworks().order_by(
        "-seller_responsibility", "-seller_rating", "-rating", "-conversion", "-orders_count", "-id"
    )  # the kwork_listed_popular index, walked in order
    return list(_cards(queryset)[: rules.HOME_POPULAR_COUNT])


def kwork_for_page(*, pk, user):
    """The Kwork page: approved Kworks (active or paused) for everyone; drafts and waiting ones only for their
    seller and staff."""
    active_options = KworkOption.objects.filter(is_active=True)
    kwork = (
        Kwork.objects.select_related("seller", "category__parent")
        .prefetch_related(
            _gallery_prefetch(),
            Prefetch("options", queryset=active_options),
            "packages",
            "files",
            Prefetch(
                "attribute_values", queryset=KworkAttributeValue.objects.select_related("attribute", "choice")
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if kwork is None:
        raise Http404("No such Kwork.")
    is_owner = user.is_authenticated and user.pk == kwork.seller_id
    if kwork.approved_at is None and not (is_owner or user.is_staff):
        raise Http404("No such Kwork.")
    return kwork


def favourite_ids(*, user, kworks):
    if not user.is_authenticated:
        return set()
    ids = [kwork.pk for kwork in kworks]
    return set(Favourite.objects.filter(user=user, kwork_id__in=ids).values_list("kwork_id", flat=True))


def favourites_for(*, user):
    kworks = Kwork.objects.select_related("seller", "category").prefetch_related(_gallery_prefetch())
    return (
        Favourite.objects.filter(user=user)
        .select_related(None)
        .prefetch_related(Prefetch("kwork", queryset=kworks))
    )


def cart_for(*, user):
    """C13: the cart, each item with its quote (price_quote on prefetched rows: no query per item)."""
    kworks = Kwork.objects.select_related("seller").prefetch_related(
        _gallery_prefetch(), Prefetch("options", queryset=KworkOption.objects.filter(is_active=True)), "packages"
    )
    items = list(
        CartItem.objects.filter(user=user).prefetch_related(
            Prefetch("kwork", queryset=kworks), "package", "options"
        )
    )
    rows = []
    for item in items:
        refusal = item.kwork.order_refusal(user)
        quote, problem = None, refusal
        if refusal is None:
            try:
                quote = price_quote(
                    kwork=item.kwork, quantity=item.quantity, option_ids=item.option_ids, package=item.package
                )
            except Exception as error:  # DomainError: an option was removed since
                problem = str(error)
        rows.append({"item": item, "quote": quote, "problem": problem})
    return rows


def cart_count(*, user):
    if not user.is_authenticated:
        return 0
    return CartItem.objects.filter(user=user).count()


def my_kworks(*, seller, status=None):
    queryset = Kwork.objects.filter(seller=seller).select_related("category").prefetch_related(_gallery_prefetch())
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-updated_at", "-id")


def my_kworks_counts(*, seller):
    from django.db.models import Count

    rows = Kwork.objects.filter(seller=seller).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def seller_profile(*, user):
    return SellerProfile.objects.filter(user=user).first() or SellerProfile(user=user)


def moderation_queue():
    """C7: Kworks waiting for moderation, the longest waiting first."""
    return (
        Kwork.objects.filter(review_requested_at__isnull=False)
        .select_related("seller", "category__parent")
        .order_by("review_requested_at", "id")
    )
