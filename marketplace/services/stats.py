"""Figures fed by ratings and orders, copied onto the Kworks for fast sorting (C12)."""

from django.db import transaction

from .. import hooks
from ..caching import catalogue_changed
from ..models import Kwork


def seller_stats_sync(*, seller, rating, feedback_count, responsibility=0.0, level=hooks.NEWBIE):
    """The ratings app calls this when a seller's figures change; copied onto the Kworks for fast sorting."""
    with transaction.atomic():
        updated = Kwork.objects.filter(seller=seller).update(
            seller_rating=rating,
            seller_feedback_count=feedback_count,
            seller_responsibility=responsibility,
            seller_level=level,
        )
        catalogue_changed()
    return updated


def kwork_stats_sync(*, kwork, rating, feedback_count, conversion=0.0, orders_count=0, top_rated=False):
    with transaction.atomic():
        updated = Kwork.objects.filter(pk=kwork.pk).update(
            rating=rating,
            feedback_count=feedback_count,
            conversion=conversion,
            orders_count=orders_count,
            top_rated=top_rated,
        )
        catalogue_changed()
    return updated
