"""Reads of the portfolio (C14) for pages, each one query whatever the number of items."""

from .models import PortfolioItem
from .rules import PORTFOLIO_SHOWN

_FIELDS = ("id", "kwork_id", "seller_id", "order_id", "file", "name", "is_video", "created_at", "kwork__title")


def _items():
    return PortfolioItem.objects.select_related("kwork").only(*_FIELDS)


def portfolio_for_kwork(*, kwork, limit=PORTFOLIO_SHOWN):
    """The newest items of a Kwork (the Kwork page)."""
    return list(_items().filter(kwork_id=kwork.pk)[:limit])


def portfolio_for_seller(*, seller, limit=PORTFOLIO_SHOWN):
    """The newest items of all the seller's Kworks (the seller's public page)."""
    return list(_items().filter(seller_id=seller.pk)[:limit])


def portfolio_items_by_order(order_ids):
    """{order id: PortfolioItem} for the given orders (a feedback list shows each order's picture)."""
    order_ids = {order_id for order_id in order_ids if order_id is not None}
    if not order_ids:
        return {}
    return {item.order_id: item for item in _items().filter(order_id__in=order_ids)}


def portfolio_items_attach(objects):
    """Set `obj.portfolio_item` (a PortfolioItem or None) on objects that have an `order_id`, in one query."""
    objects = list(objects)
    by_order = portfolio_items_by_order(getattr(obj, "order_id", None) for obj in objects)
    for obj in objects:
        obj.portfolio_item = by_order.get(getattr(obj, "order_id", None))
    return objects
