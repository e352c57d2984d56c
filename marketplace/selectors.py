"""Reads of the marketplace, shaped so each page makes the same number of queries for 1 or 50 Kworks."""

import math
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from common.db import ScalarQuery

from . import rules, search_backends
from .models import (
    LISTED,
    Attribute,
    CartItem,
    Category,
    Favourite,
    Kwork,
    KworkAttributeValue,
    KworkFile,
    KworkImage,
    KworkOption,
    PackagePricePoint,
    SellerProfile,
)
from .pricing import price_quote
from .weekends import is_weekend_window


def parse_id(raw):
    """An id from user input: ASCII digits only ("١٢" passes str.isdigit() but is no id), else None."""
    text = str(raw).strip() if raw is not None else ""
    if not text or len(text) > 18 or not (text.isascii() and text.isdecimal()):
        return None
    return int(text)


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
    queryset = Kwork.objects.filter(LISTED)  # and M2's answer block and T1's account block
    if is_weekend_window(now):
        queryset = queryset.filter(seller_hides_weekends=False)
    return queryset


# What a card shows (templates/marketplace/partials/card.html, marketplace/caching.py's card_facts): only
# these columns are loaded for a grid; the cover comes with one prefetch query for the whole page.
CARD_COLUMNS = (
    "title",
    "price_cents",
    "uses_packages",
    "lead_time_days",
    "top_rated",
    "seller_stars",
    "seller_feedback_count",
    "seller__username",
    "seller__display_name",
    "seller__avatar",
    "category__name",
)


def _cover_prefetch():
    images = KworkImage.objects.filter(pending=False).only("kwork_id", "image", "position")
    return Prefetch("images", queryset=images, to_attr="gallery")


def _cards(queryset):
    """Kwork cards: seller and category joined, only the columns the card shows, gallery prefetched."""
    return queryset.select_related("seller", "category").only(*CARD_COLUMNS).prefetch_related(_cover_prefetch())


def categories_tree():
    children = Category.objects.order_by("position", "name")
    return Category.objects.filter(parent__isnull=True).prefetch_related(Prefetch("children", queryset=children))


def category_get(*, slug):
    category = Category.objects.select_related("parent").filter(slug=slug).first()
    if category is None:
        raise Http404("No such category.")
    return category


SEEN_LABELS = {1: "Today", 7: "This week", 30: "This month"}


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

    # The filter form's choices (templates/marketplace/partials/filters.html), from rules.py.
    lead_choices = rules.LEAD_TIME_FILTER_DAYS
    rating_choices = rules.SELLER_RATING_FILTER_MINIMUMS
    feedback_choices = rules.FEEDBACK_FILTER_MINIMUMS
    seen_choices = tuple(
        (days, SEEN_LABELS.get(days, f"In the last {days} days")) for days in rules.LAST_SEEN_CHOICES_DAYS
    )

    @classmethod
    def from_query(cls, params, attributes=()):
        """Anything malformed (text, NaN, infinities, huge numbers, a NUL byte) is ignored, never an error."""

        def number(name, kind=int, limit=rules.FILTER_PRICE_MAX_DOLLARS):
            raw = params.get(name, "")
            if not isinstance(raw, str) or len(raw) > 20 or not raw.isascii():
                return None
            try:
                value = kind(raw)
            except (TypeError, ValueError, OverflowError):
                return None
            if not math.isfinite(value) or value < 0 or value > limit:
                return None
            return value

        seen = number("seen")
        sort = params.get("sort")
        filters = cls(
            price_min=number("price_min"),
            price_max=number("price_max"),
            lead_max=number("lead"),
            rating_min=number("rating", float),
            feedback_min=number("feedback"),
            seen_days=seen if seen in rules.LAST_SEEN_CHOICES_DAYS else None,
            sort=sort if sort in SORTS else "relevance",
        )
        for attribute in attributes:
            chosen = {value for value in params.getlist(attribute.slug) if value}
            if chosen:
                filters.attributes[attribute.slug] = chosen
        return filters

    @property
    def active_count(self):
        """How many filters are set (an attribute with several choices counts once): the phone's Filters button."""
        values = (self.price_min, self.price_max, self.lead_max, self.rating_min, self.feedback_min)
        return sum(value is not None for value in (*values, self.seen_days)) + len(self.attributes)

    @property
    def active(self):
        return bool(self.active_count)


def apply_filters(queryset, filters, attributes=()):
    if filters.price_min is not None:
        queryset = queryset.filter(price_cents__gte=filters.price_min * 100)
    if filters.price_max is not None:
        queryset = queryset.filter(price_cents__lte=filters.price_max * 100)
    if filters.lead_max is not None:
        queryset = queryset.filter(lead_time_days__lte=filters.lead_max)
    if filters.rating_min:
        queryset = queryset.filter(seller_stars__gte=filters.rating_min)  # R6 stars, 0–5 like the choices
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


def subcategories_of(category):
    return Category.objects.filter(parent=category).order_by("position", "name")


def subcategory_or_none(raw_id):
    """The editor's subcategory from a query or form value; None for anything that is not an id."""
    pk = parse_id(raw_id)
    if pk is None:
        return None
    return Category.objects.filter(pk=pk, parent__isnull=False).first()


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
    """C12 typos: the query with each wanted word replaced by the most similar word of the vocabulary of listed
    Kworks (pg_trgm's word similarity reaching SEARCH_TRIGRAM_THRESHOLD, the closest winning; one query on
    either database, see search_backends), written back as text; None when a word has no close match."""
    corrected = _corrected(search_backends.current(), search_backends.parse(query))
    return corrected.text() if corrected else None


def _corrected(backend, parsed):
    words = parsed.typo_words()
    return parsed.corrected(backend.similar_words(words)) if words else None


def kwork_search(*, query, filters=None, page_number=1):
    """C12: keyword search ranked by relevance, the same on PostgreSQL and SQLite (marketplace/search_backends).

    Relevance puts Top Rated Kworks first, then the text rank (title above volume above description). When
    nothing matches (a typo), each wanted word is replaced by the closest word of the catalogue's vocabulary
    and the search runs again; the page says "showing results for …". The page is cut on the ranked id list,
    then only its cards are loaded."""
    query = (query or "").replace("\x00", "").strip()[: rules.SEARCH_QUERY_MAX_LENGTH]
    filters = filters or CatalogueFilters()
    backend = search_backends.current()
    parsed = search_backends.parse(query)
    listed = apply_filters(listed_kworks(), filters)
    order = None if filters.sort == "relevance" else SORTS[filters.sort][1]
    ranked = backend.search(listed, parsed, order) if parsed else search_backends.Ranked.none()
    corrected = _corrected(backend, parsed) if parsed and not ranked.total else None
    if corrected:
        ranked = backend.search(listed, corrected, order)
    page = Paginator(ranked, rules.SEARCH_PAGE_SIZE).get_page(page_number)
    ids = list(page.object_list)
    cards = {kwork.pk: kwork for kwork in _cards(Kwork.objects.filter(pk__in=ids))} if ids else {}
    page.object_list = [cards[pk] for pk in ids if pk in cards]
    page.corrected = corrected.text() if corrected and ranked.total else None
    return page


def home_popular():
    """C12: the most popular Kworks of the highest-rated sellers: seller responsibility, Kwork rating and
    conversion (fields kept by the ratings app), one Kwork per seller first."""
    ranked = listed_kworks().order_by(
        "-seller_responsibility", "-seller_rating", "-rating", "-conversion", "-orders_count", "-id"
    )  # the kwork_listed_popular index, walked in order, a bounded number of rows
    candidates = ranked.values_list("id", "seller_id")[: rules.HOME_POPULAR_COUNT * rules.HOME_POPULAR_CANDIDATES]
    sellers, first, rest = set(), [], []
    for pk, seller_id in candidates:
        (rest if seller_id in sellers else first).append(pk)
        sellers.add(seller_id)
    ids = (first + rest)[: rules.HOME_POPULAR_COUNT]
    cards = {kwork.pk: kwork for kwork in _cards(Kwork.objects.filter(pk__in=ids))}
    return [cards[pk] for pk in ids if pk in cards]


def seller_kworks(*, seller):
    """A9: the seller's Kworks on sale, for their public page (the catalogue's order), at most
    SELLER_PAGE_KWORKS of them; the Kwork after the last says there are more."""
    queryset = listed_kworks().filter(seller=seller).order_by(*SORTS["relevance"][1])
    return list(_cards(queryset)[: rules.SELLER_PAGE_KWORKS + 1])


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


def cart_count_query(user):
    """C13: the number of items in the person's cart, as one scalar query (the header's cart count)."""
    return ScalarQuery("SELECT COUNT(*) FROM marketplace_cartitem WHERE user_id = %s", [user.pk])


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
    """The seller's settings; an unsaved default profile when none is stored yet."""
    return SellerProfile.objects.filter(user=user).first() or SellerProfile(user=user)


def kwork_images_for_editor(*, kwork):
    """All gallery images, including those waiting for moderation."""
    return list(KworkImage.objects.filter(kwork=kwork))


def kwork_files_for_editor(*, kwork):
    return list(KworkFile.objects.filter(kwork=kwork))


def kwork_get_for_seller(*, seller, pk, lock=False):
    """The seller's own Kwork; another seller's is a 404. Services pass lock=True inside their transaction."""
    queryset = Kwork.objects.filter(seller=seller)
    if lock:
        queryset = queryset.select_for_update()
    return get_object_or_404(queryset, pk=pk)


def price_points_for(category):
    """C4: {tier: [cents, ...]} of the category (a subcategory inherits its parent's; then the defaults)."""
    points = {}
    for cat_id in [category.pk, category.parent_id]:
        if cat_id is None:
            continue
        for tier, cents in PackagePricePoint.objects.filter(category_id=cat_id).values_list("tier", "price_cents"):
            points.setdefault(tier, []).append(cents)
        if points:
            break
    if not points:
        return {tier: list(values) for tier, values in rules.DEFAULT_PACKAGE_PRICE_POINTS.items()}
    return {tier: sorted(points.get(tier, [])) for tier in rules.PACKAGE_TIERS}
