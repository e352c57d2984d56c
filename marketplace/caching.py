"""Caches of the catalogue's Kwork cards and result grids (C12 at 100,000 Kworks, issue 14).

- Card fragments: each card's HTML is cached under a key made of the Kwork's id and a hash of every value the
  card shows (title, price, seller's name, avatar and stars, Top Rated, cover, …) and of the card template. The
  grid query loads those values anyway, so a changed card simply has a new key: no invalidation, never stale.
- Result grids (category and search), per URL, for GRID_CACHE_SECONDS, the same for visitors and logged-in
  people, under a key that contains a catalogue version: every service that changes what the catalogue lists,
  how it sorts or what a card shows (approve, pause, activate, automatic pauses, weekend hiding, figures from
  ratings, media, a seller's new name or avatar) bumps the version, so a cached grid never outlives such a
  change. A cached grid saves the grid's SQL and all card rendering.
- Hearts: never cached. A card holds a marker where its heart goes; the person's favourites among the page's
  Kworks (one query) pick one of the two heart variants rendered once per request (they carry the person's
  CSRF token and the page to come back to), swapped in with str.replace / one regex pass."""

import functools
import hashlib
import os
import re

from django.core.cache import cache
from django.db import transaction
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import mark_safe

from . import rules
from .models import Favourite

CARD_TEMPLATE = "marketplace/partials/card.html"
HEART_TEMPLATE = "marketplace/partials/heart.html"
# Markers: raw "<" never comes out of an autoescaped value, so no user text can contain (or fake) them.
HEART_MARK = mark_safe("<!--heart-->")  # in a cached card
HEART_AT = "<!--heart:{}-->"  # in a cached grid: the card's Kwork id
HEART_AT_RE = re.compile(r"<!--heart:(\d+)-->")
HEART_URL_MARK = mark_safe("<heart-url>")
_ID_PROBE = 987654321  # an id for reverse(), cut out of the URL to build the others by concatenation

VERSION_KEY = "mkt:catalogue-version"


def catalogue_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def _bump():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def catalogue_changed():
    """Call inside the service's transaction. The version moves now (this request and tests see it at once)
    and again on commit, so a grid cached by another request while the transaction was open is not reused."""
    _bump()
    transaction.on_commit(_bump)


def grid_key(request, *, weekend):
    path = hashlib.sha1(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    return f"mkt:grid:{catalogue_version()}:{int(weekend)}:{path}"


def card_cache_enabled():
    # MARKETPLACE_CARD_CACHE=0 renders every card (bench/catalogue_bench.py --no-card-cache, the baseline).
    return os.environ.get("MARKETPLACE_CARD_CACHE", "1") != "0"


def cache_seconds():
    # MARKETPLACE_GRID_CACHE_SECONDS=0 turns the cache off (bench/catalogue_bench.py --no-grid-cache).
    return int(os.environ.get("MARKETPLACE_GRID_CACHE_SECONDS", rules.GRID_CACHE_SECONDS))


def cached_grid(request, *, weekend, render):
    """The results' HTML with the person's hearts. `render()` renders it with hearts deferred (context
    `hearts_deferred`); it is cached per URL for everyone (hearts are put in per request, after)."""
    seconds = cache_seconds()
    if seconds <= 0:
        return hearts_apply(str(render()), request=request)
    key = grid_key(request, weekend=weekend)
    html = cache.get(key)
    if html is None:
        html = str(render())  # rendered by our own templates: escaped already
        cache.set(key, html, timeout=seconds)
    return hearts_apply(html, request=request)


CARD_USER_FIELDS = {"username", "display_name", "avatar"}


def user_saved(sender, instance, created=False, update_fields=None, **kwargs):
    """A seller's name or avatar shows on their cards: a cached grid must not outlive its change."""
    if created or (update_fields is not None and not CARD_USER_FIELDS & set(update_fields)):
        return  # new people have no cards; last_seen_at, last_login and the like do not show on cards
    catalogue_changed()


def id_url(name):
    """A function pk -> URL of the named `<int:pk>` route: one reverse() per grid instead of one per card."""
    head, probe, tail = reverse(name, args=[_ID_PROBE]).partition(str(_ID_PROBE))
    if not probe:
        raise ValueError(f"{name} does not take the id as a path segment")
    return lambda pk: f"{head}{pk}{tail}"


@functools.cache
def template_version():
    """A hash of the card template's source (once per process): a deploy that changes the card changes every
    key."""
    source = get_template(CARD_TEMPLATE).template.source
    return hashlib.blake2b(source.encode(), digest_size=6).hexdigest()


def card_facts(kwork, url):
    """Everything the card shows (keep in step with card.html: a value missing here would go stale)."""
    seller = kwork.seller
    gallery = getattr(kwork, "gallery", None)
    return (
        kwork.pk,
        url,
        kwork.title,
        kwork.category.name[:1],
        gallery[0].image.name if gallery else "",
        seller.username,
        seller.avatar.name or "",
        seller.initials,
        kwork.top_rated,
        kwork.seller_feedback_count,
        kwork.seller_stars,
        kwork.lead_time_days,
        kwork.uses_packages,
        kwork.price_cents,
    )


def card_key(kwork, url):
    digest = hashlib.blake2b(repr(card_facts(kwork, url)).encode(), digest_size=12).hexdigest()
    return f"mkt:card:{template_version()}:{kwork.pk}:{digest}"


def _hearts(request):
    """The heart partial rendered once per request and state; HEART_URL_MARK stands for the Kwork's URL."""
    template = get_template(HEART_TEMPLATE)
    user = getattr(request, "user", None)
    context = {"request": request, "user": user, "heart_url": HEART_URL_MARK}
    if user is None or not user.is_authenticated:
        off = template.render(context)
        return off, off
    context["csrf_token"] = get_token(request)
    return template.render({**context, "is_favourite": True}), template.render({**context, "is_favourite": False})


def cards_html(kworks, *, request, favourite_ids=frozenset(), hearts_deferred=False):
    """The cards of a grid: fragments fetched in one round trip, the missing ones rendered and stored in
    one more, then the person's hearts put in (their `favourite_ids`; None: looked up, one query) or, with
    `hearts_deferred`, a marker per card for hearts_apply. `kworks` come from selectors' card querysets."""
    kworks = list(kworks)
    if not kworks:
        return mark_safe("")
    kwork_url = id_url("marketplace:kwork")
    keys = [card_key(kwork, kwork_url(kwork.pk)) for kwork in kworks]
    found = cache.get_many(keys) if card_cache_enabled() else {}
    missing = {}
    template = None
    for key, kwork in zip(keys, kworks, strict=True):
        if key not in found:
            template = template or get_template(CARD_TEMPLATE)
            html = template.render({"kwork": kwork, "card_url": kwork_url(kwork.pk), "heart_mark": HEART_MARK})
            found[key] = missing[key] = str(html)
    if missing and card_cache_enabled():
        cache.set_many(missing, timeout=rules.CARD_CACHE_SECONDS)
    html = "\n".join(
        found[key].replace(HEART_MARK, HEART_AT.format(kwork.pk), 1)
        for key, kwork in zip(keys, kworks, strict=True)
    )
    if hearts_deferred:
        return mark_safe(html)  # noqa: S308 (our own templates' output, escaped when rendered)
    return hearts_apply(html, request=request, favourite_ids=favourite_ids)


def hearts_apply(html, *, request, favourite_ids=None):
    """Each card's heart marker replaced by the person's heart. `favourite_ids` None: looked up for the
    Kworks of the markers (one query, none for visitors)."""
    ids = [int(pk) for pk in HEART_AT_RE.findall(html)]
    if not ids:
        return mark_safe(html)  # noqa: S308 (our own templates' output)
    user = getattr(request, "user", None)
    if favourite_ids is None:
        favourite_ids = set()
        if user is not None and user.is_authenticated:
            favourite_ids = set(
                Favourite.objects.filter(user=user, kwork_id__in=ids).values_list("kwork_id", flat=True)
            )
    heart_on, heart_off = _hearts(request)
    heart_url = id_url("marketplace:favourite_toggle")

    def heart(match):
        pk = int(match.group(1))
        return (heart_on if pk in favourite_ids else heart_off).replace(HEART_URL_MARK, heart_url(pk))

    return mark_safe(HEART_AT_RE.sub(heart, html))  # noqa: S308 (our own templates' output, escaped when rendered)
