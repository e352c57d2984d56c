"""Figures fed by ratings and orders, copied onto the Kworks for fast sorting (C12)."""

from django.db import transaction

from common.db import update_from_values

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


SYNC_CHUNK = 500  # Kworks per UPDATE … FROM (VALUES …)
KWORK_FIGURES = (
    "seller_rating",
    "seller_stars",
    "seller_feedback_count",
    "seller_responsibility",
    "seller_level",
    "rating",
    "feedback_count",
    "conversion",
    "orders_count",
    "top_rated",
)


def kwork_figures_sync_many(*, figures):
    """Many Kworks at once: `figures` maps a Kwork id to {field: value} (fields of KWORK_FIGURES). Only rows
    whose values changed are written (a nightly recomputation with nothing new writes nothing), and the
    catalogue version moves once if any did. Returns the number of Kworks written."""
    if not figures:
        return 0
    fields = sorted({name for values in figures.values() for name in values})
    unknown = set(fields) - set(KWORK_FIGURES)
    if unknown:
        raise ValueError(f"Not a denormalised Kwork figure: {sorted(unknown)}")
    current = Kwork.objects.filter(pk__in=list(figures)).order_by().values("pk", *fields)
    changed = []
    for row in current:
        wanted = {**row, **figures[row["pk"]]}
        if wanted != row:
            changed.append((row["pk"], *(wanted[name] for name in fields)))
    if not changed:
        return 0
    with transaction.atomic():
        for start in range(0, len(changed), SYNC_CHUNK):
            update_from_values(Kwork, fields, changed[start : start + SYNC_CHUNK])
        catalogue_changed()
    return len(changed)
