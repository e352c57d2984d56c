"""C12 conversion (orders ÷ views): Kwork page views, counted cheaply.

One UPDATE … SET views_count = views_count + 1 at most once per visitor and Kwork per KWORK_VIEW_ONCE_SECONDS
window of the clock, the visitor remembered by a cache key naming the window (cache.add is atomic on Redis and the
file cache alike; the key, not the cache's expiry, decides, so every cache backend counts alike). Reloads, the
htmx quote requests, the seller looking at their own Kwork and staff add nothing. No catalogue version bump:
the ratings app turns views into conversion when it recomputes."""

import hashlib
import time

from django.core.cache import cache
from django.db.models import F

from .. import rules
from ..models import Kwork


def kwork_view_record(*, kwork, user, visitor):
    """Count one view of `kwork` by `visitor` (a stable key: "u<id>" or an address). True when counted."""
    if user is not None and user.is_authenticated and (user.pk == kwork.seller_id or user.is_staff):
        return False
    digest = hashlib.sha1(str(visitor).encode(), usedforsecurity=False).hexdigest()[:16]
    window = int(time.time() // rules.KWORK_VIEW_ONCE_SECONDS)
    if not cache.add(f"mkt:viewed:{kwork.pk}:{digest}:{window}", 1, timeout=rules.KWORK_VIEW_ONCE_SECONDS):
        return False
    Kwork.objects.filter(pk=kwork.pk).update(views_count=F("views_count") + 1)
    return True
