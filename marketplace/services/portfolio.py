"""Portfolio (C14) and the automatic pause for a missing portfolio (C11(a)).

The orders app owns the buyer's consent and calls these with what marketplace cannot know by itself (it knows
nothing of orders): the order's id, and the number of the Kwork's completed orders whose buyer allowed a
portfolio item. The upload has been checked by common.uploads (C6: content, type, 4 MB) before it gets here.

C11(a) has its own flag, `Kwork.portfolio_paused`; `Kwork.auto_paused` (what the catalogue filters on) is
"paused for C11(a) or for C11(b)", so neither reason lifts a pause the other one still needs."""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from accounts.rules import NotificationKind

from .. import rules
from ..caching import catalogue_changed
from ..models import Category, Kwork, PortfolioItem, SellerProfile
from ._notify import notify_on_commit


def portfolio_share_too_low(*, items, orders):
    """C11(a): fewer than PORTFOLIO_REQUIRED_PERCENT of `orders` have an item. Integer arithmetic, so 49.9 %
    pauses and exactly 50 % does not. No consenting order: nothing to count, no pause."""
    return orders > 0 and items * 100 < rules.PORTFOLIO_REQUIRED_PERCENT * orders


def _requires_portfolio(kwork):
    category = kwork.category
    if category.requires_portfolio:
        return True
    return (
        category.parent_id is not None
        and Category.objects.filter(pk=category.parent_id, requires_portfolio=True).exists()
    )


def _seller_autopaused(kwork):
    """C11(b)'s state of the seller."""
    return SellerProfile.objects.filter(user_id=kwork.seller_id, autopaused=True).exists()


def _kwork_sync_locked(kwork):
    """Recompute C11(a) for a locked Kwork and save both flags. Returns True when C11(a) pauses it."""
    paused = _requires_portfolio(kwork) and portfolio_share_too_low(
        items=kwork.portfolio_items.count(), orders=kwork.portfolio_orders_count
    )
    if paused == kwork.portfolio_paused:
        return paused
    kwork.portfolio_paused = paused
    kwork.auto_paused = paused or _seller_autopaused(kwork)
    kwork.save(update_fields=["portfolio_paused", "auto_paused"])
    catalogue_changed()
    if paused:
        notify_on_commit(
            user=kwork.seller,
            kind=NotificationKind.KWORK_AUTOPAUSE,
            title=f"“{kwork.title}” is paused automatically",
            body=(
                f"Its category asks for a portfolio: at least {rules.PORTFOLIO_REQUIRED_PERCENT} % of the completed "
                "orders whose buyer allowed it need the result in your portfolio. Upload the results from those "
                "orders' pages and the Kwork comes back by itself. Buyers can still order it from Favourites or "
                "by direct link."
            ),
            url=reverse("marketplace:my_kworks"),
        )
    return paused


def _lock(kwork_id):
    return Kwork.objects.select_for_update().select_related("category").get(pk=kwork_id)


def kwork_portfolio_sync(*, kwork):
    """C11(a) for one Kwork, from its own counts. Idempotent. Returns True when C11(a) pauses it."""
    with transaction.atomic():
        return _kwork_sync_locked(_lock(kwork.pk))


def kwork_portfolio_orders_set(*, kwork, count):
    """The orders app: the Kwork has `count` completed orders whose buyer allowed a portfolio item. `count` may be
    a callable, called once the Kwork row is locked: two consents on orders of one Kwork then count in turn and
    neither overwrites the other's number with a stale one."""
    with transaction.atomic():
        kwork = _lock(kwork.pk)
        count = count() if callable(count) else count
        if kwork.portfolio_orders_count != count:
            kwork.portfolio_orders_count = count
            kwork.save(update_fields=["portfolio_orders_count"])
        return _kwork_sync_locked(kwork)


def category_portfolio_sync(*, category):
    """After the admin changed "requires portfolio": recompute C11(a) for the Kworks of the category and of its
    subcategories, in primary-key order (the lock order). Returns how many are paused for it now."""
    paused = 0
    with transaction.atomic():
        kworks = (
            Kwork.objects.select_for_update()
            .select_related("category")
            .filter(Q(category=category) | Q(category__parent=category))
            .order_by("pk")
        )
        for kwork in kworks:
            paused += _kwork_sync_locked(kwork)
    return paused


def portfolio_item_add(*, kwork, seller, order_id, upload, is_video, revocable_until):
    """C14: the result of order `order_id` (the orders app has checked the consent and who asks). One item per
    order: a new upload replaces the old one (its file goes on commit)."""
    with transaction.atomic():
        kwork = _lock(kwork.pk)
        PortfolioItem.objects.filter(order_id=order_id).delete()
        item = PortfolioItem.objects.create(
            kwork=kwork,
            seller=seller,
            order_id=order_id,
            file=upload,
            name=upload.name[:200],
            is_video=is_video,
            revocable_until=revocable_until,
        )
        _kwork_sync_locked(kwork)
    return item


def portfolio_item_remove(*, order_id):
    """The item of order `order_id` goes, with its file (on commit); C11(a) is recomputed. Returns True when
    there was one."""
    with transaction.atomic():
        item = PortfolioItem.objects.filter(order_id=order_id).only("pk", "kwork_id", "file").first()
        if item is None:
            return False
        kwork = _lock(item.kwork_id)
        item.delete()
        _kwork_sync_locked(kwork)
    return True
