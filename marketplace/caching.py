"""The catalogue's result grids for anonymous visitors, cached per URL (C12 at 100,000 Kworks).

Logged-in people always get a fresh grid (their hearts differ). Anonymous grids are cached for
ANON_GRID_CACHE_SECONDS under a key that contains a catalogue version: every service that changes what the
catalogue lists or how it sorts (approve, pause, activate, automatic pause, weekend hiding, figures from ratings)
bumps the version on commit, so a cached grid never outlives such a change."""

import hashlib
import os

from django.core.cache import cache
from django.db import transaction
from django.utils.safestring import mark_safe

from . import rules

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


def cache_seconds():
    # MARKETPLACE_GRID_CACHE_SECONDS=0 turns the cache off (bench/catalogue_bench.py --no-grid-cache).
    return int(os.environ.get("MARKETPLACE_GRID_CACHE_SECONDS", rules.ANON_GRID_CACHE_SECONDS))


def cached_grid(request, *, weekend, render):
    """The grid's HTML: from the cache for anonymous visitors, else `render()` (and stored)."""
    seconds = cache_seconds()
    if request.user.is_authenticated or seconds <= 0:
        return render()
    key = grid_key(request, weekend=weekend)
    html = cache.get(key)
    if html is None:
        html = render()  # rendered by our own templates: escaped already
        cache.set(key, str(html), timeout=seconds)
    return mark_safe(html)  # noqa: S308
