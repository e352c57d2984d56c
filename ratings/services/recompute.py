"""Recalculation (R3–R11): load the order facts of many users in a few queries, compute with formulas.py, write
SellerStats / BuyerStats in bulk, copy what the catalogue sorts by onto the Kworks (only rows that changed,
bumping the catalogue version) and grant or revoke the Super buyer badge (A10).

Three entry points: after each event that moves figures (`users_recompute_on_commit`, queued as a Celery task
once the transaction commits), a whole pass (`ratings_recompute_all`, the management command) and the nightly
beat job (`ratings_recompute_nightly`: resumable batches behind a cursor row taken with SKIP LOCKED, so two runs
at once never do a batch twice). Every path calls the same `seller_stats_recompute` / `buyer_stats_recompute`,
so an incremental update and a from-scratch run give the same figures."""

import logging
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from accounts import services as account_services
from marketplace.models import Kwork
from marketplace.services import stats as marketplace_stats
from messaging.selectors import seller_response_figures
from orders import rules as order_rules
from orders.models import Order

from .. import formulas, rules
from ..models import BuyerRating, BuyerStats, Feedback, RecomputeCursor, SellerStats

logger = logging.getLogger("gigly.ratings")

NIGHTLY = "nightly"
FINISHED = (Order.Status.COMPLETED, Order.Status.CANCELLED)
SELLER_FIELDS = [
    "responsibility",
    "rating",
    "stars",
    "avg_lead_time_hours",
    "avg_start_hours",
    "completed_count",
    "positive_count",
    "negative_count",
    "removed_feedback_count",
    "success_percent",
    "on_time_percent",
    "level",
    "level_window_orders",
    "level_window_completed",
    "level_window_bad",
    "top_rated_seller",
    "response_rate_percent",
    "first_response_median_seconds",
    "computed_at",
]
BUYER_FIELDS = [
    "purchases",
    "recent_purchases",
    "sales",
    "level",
    "super_buyer",
    "rating_avg",
    "rating_count",
    "computed_at",
]
_FACT_COLUMNS = (
    "id",
    "seller_id",
    "buyer_id",
    "kwork_id",
    "status",
    "placed_at",
    "started_at",
    "completed_at",
    "cancelled_at",
    "was_overdue",
    "auto_cancelled",
    "cancel_reason",
    "counts_against_seller",
    "arbitration_opened_at",
)


def fact_from_row(row, *, feedback, refunds, title=""):
    (pk, seller_id, buyer_id, kwork_id, status, placed, started, completed, cancelled, overdue, auto, reason,
     against, arbitration_at) = row  # fmt: skip
    # Arbitration lost: support refunded the buyer in full (cancelled) or in part (completed with a refund).
    lost = arbitration_at is not None and (
        reason == order_rules.ARBITRATION_REFUND or (status == Order.Status.COMPLETED and refunds.get(pk, 0) > 0)
    )
    return formulas.OrderFact(
        id=pk,
        seller_id=seller_id,
        buyer_id=buyer_id,
        kwork_id=kwork_id,
        status=status,
        placed_at=placed,
        started_at=started,
        completed_at=completed,
        cancelled_at=cancelled,
        was_overdue=overdue,
        auto_cancelled=auto,
        cancel_reason=reason,
        counts_against_seller=against,
        arbitration_lost=lost,
        feedback=feedback.get(pk),
        title=title,
    )


def facts_for_sellers(seller_ids, *, titles=False):
    """{seller_id: [OrderFact]} for every order of these sellers, in three indexed queries: the orders (by
    seller), their visible feedback (the partial index of visible feedback by seller) and the refunds of orders
    that went to arbitration (few). Joining feedback and escrow holds in one query made PostgreSQL hash the
    whole tables for every batch."""
    feedback = dict(
        Feedback.objects.filter(seller_id__in=seller_ids, removed_at__isnull=True)
        .order_by()
        .values_list("order_id", "is_positive")
    )
    refunds = dict(
        Order.objects.filter(
            seller_id__in=seller_ids, arbitration_opened_at__isnull=False, escrow_hold__isnull=False
        )
        .order_by()
        .values_list("id", "escrow_hold__refund_cents")
    )
    facts = defaultdict(list)
    columns = (*_FACT_COLUMNS, "title") if titles else _FACT_COLUMNS
    rows = Order.objects.filter(seller_id__in=seller_ids).order_by().values_list(*columns)
    for row in rows.iterator(chunk_size=5000):
        fact = fact_from_row(row[:14], feedback=feedback, refunds=refunds, title=row[14] if titles else "")
        facts[fact.seller_id].append(fact)
    return facts


def seller_stats_recompute(*, seller_ids, now=None):
    """Recompute every figure of these sellers from scratch and write it (SellerStats upsert, Kwork copies)."""
    seller_ids = sorted(set(seller_ids))
    if not seller_ids:
        return 0
    now = now or timezone.now()
    facts = facts_for_sellers(seller_ids)
    removed = dict(
        Feedback.objects.filter(seller_id__in=seller_ids, removed_at__isnull=False)
        .order_by()
        .values("seller_id")
        .annotate(n=Count("id"))
        .values_list("seller_id", "n")
    )
    responses = seller_response_figures(seller_ids=seller_ids, now=now)
    stats = []
    seller_figures = {}
    for seller_id in seller_ids:
        figures = formulas.seller_figures(
            facts.get(seller_id, []), removed_feedback_count=removed.get(seller_id, 0)
        )
        seller_figures[seller_id] = figures
        rate, median_seconds = responses[seller_id]  # R10: answers to buyers' new messages (M2)
        stats.append(
            SellerStats(
                seller_id=seller_id,
                computed_at=now,
                response_rate_percent=rate,
                first_response_median_seconds=median_seconds,
                **figures,
            )
        )
    with transaction.atomic():
        SellerStats.objects.bulk_create(
            stats, update_conflicts=True, unique_fields=["seller"], update_fields=SELLER_FIELDS, batch_size=1000
        )
        _kworks_sync(seller_ids, facts, seller_figures)
    return len(stats)


def _kworks_sync(seller_ids, facts, seller_figures):
    """Copy the figures the catalogue sorts by onto the sellers' Kworks (marketplace writes only what changed)."""
    kworks = (
        Kwork.objects.filter(seller_id__in=seller_ids).order_by().values_list("pk", "seller_id", "views_count")
    )
    by_kwork = defaultdict(list)
    placed = defaultdict(int)
    repeats = {}
    for seller_id, seller_facts_ in facts.items():
        repeats[seller_id] = formulas.repeat_ids(seller_facts_)
        for fact in seller_facts_:
            by_kwork[fact.kwork_id].append(fact)
            placed[fact.kwork_id] += 1
    figures = {}
    for row in kworks:
        pk, seller_id = row[0], row[1]
        seller = seller_figures[seller_id]
        values = formulas.kwork_figures(
            by_kwork.get(pk, []),
            seller_repeats=repeats.get(seller_id, set()),
            seller_top_rated=seller["top_rated_seller"],
        )
        views = row[2]
        values["conversion"] = round(placed[pk] / views, 4) if views else 0.0
        values.update(
            seller_rating=seller["rating"] or 0.0,
            seller_feedback_count=seller["positive_count"] + seller["negative_count"],
            seller_responsibility=seller["responsibility"] or 0.0,
            seller_level=seller["level"],
        )
        values["seller_stars"] = seller["stars"] or 0.0
        figures[pk] = values
    return marketplace_stats.kwork_figures_sync_many(figures=figures)


def buyer_stats_recompute(*, buyer_ids, now=None):
    """R11 (and the average of sellers' private ratings) for these users; Super buyer granted or revoked."""
    buyer_ids = sorted(set(buyer_ids))
    if not buyer_ids:
        return 0
    now = now or timezone.now()
    since = formulas.super_buyer_since(now)
    done = Order.Status.COMPLETED
    bought = {
        row["buyer_id"]: row
        for row in Order.objects.filter(buyer_id__in=buyer_ids, status=done)
        .order_by()
        .values("buyer_id")
        .annotate(n=Count("id"), recent=Count("id", filter=Q(completed_at__gt=since)))
    }
    sold = dict(
        Order.objects.filter(seller_id__in=buyer_ids, status=done)
        .order_by()
        .values("seller_id")
        .annotate(n=Count("id"))
        .values_list("seller_id", "n")
    )
    rated = {
        row["buyer_id"]: row
        for row in BuyerRating.objects.filter(buyer_id__in=buyer_ids)
        .order_by()
        .values("buyer_id")
        .annotate(n=Count("id"), avg=Avg("stars"))
    }
    was_super = set(
        BuyerStats.objects.filter(buyer_id__in=buyer_ids, super_buyer=True).values_list("pk", flat=True)
    )
    rows = []
    for buyer_id in buyer_ids:
        purchases = bought.get(buyer_id, {}).get("n", 0)
        recent = bought.get(buyer_id, {}).get("recent", 0)
        count = rated.get(buyer_id, {}).get("n", 0)
        avg = rated.get(buyer_id, {}).get("avg")
        rows.append(
            BuyerStats(
                buyer_id=buyer_id,
                purchases=purchases,
                recent_purchases=recent,
                sales=sold.get(buyer_id, 0),
                level=formulas.buyer_level(purchases),
                super_buyer=formulas.super_buyer(recent),
                rating_avg=round(avg, 2) if avg is not None and count >= rules.BUYER_RATING_MIN_COUNT else None,
                rating_count=count,
                computed_at=now,
            )
        )
    with transaction.atomic():
        BuyerStats.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["buyer"], update_fields=BUYER_FIELDS, batch_size=1000
        )
        _super_buyer_badges(rows, was_super)
    return len(rows)


def _super_buyer_badges(rows, was_super):
    """A10: the badge follows the figure (granted when it appears, revoked when activity drops)."""
    changed = [row for row in rows if row.super_buyer != (row.buyer_id in was_super)]
    if not changed:
        return
    users = get_user_model().objects.in_bulk([row.buyer_id for row in changed])
    for row in changed:
        if row.super_buyer:
            account_services.badge_grant(user=users[row.buyer_id], code=rules.SUPER_BUYER_BADGE)
        else:
            account_services.badge_revoke(user=users[row.buyer_id], code=rules.SUPER_BUYER_BADGE)


def users_recompute(*, seller_ids=(), buyer_ids=(), now=None):
    seller_stats_recompute(seller_ids=seller_ids, now=now)
    buyer_stats_recompute(buyer_ids=buyer_ids, now=now)


def users_recompute_on_commit(*, seller_ids=(), buyer_ids=()):
    """Queue the recalculation of these people once the current transaction commits (idempotent: it recomputes
    from scratch, so running it twice, or after the nightly job, changes nothing more)."""
    from ..tasks import ratings_recompute_users

    sellers, buyers = sorted(set(seller_ids)), sorted(set(buyer_ids))

    def queue():
        try:
            ratings_recompute_users.delay(seller_ids=sellers, buyer_ids=buyers)
        except Exception:  # the broker is down: the action itself is done; the nightly pass catches up
            logger.exception("ratings: could not queue the recalculation of %s / %s", sellers, buyers)

    if sellers or buyers:
        transaction.on_commit(queue)


def orders_recompute_on_commit(*, order_ids):
    """After orders finished (orders.signals.order_finished): their sellers and buyers, on commit."""
    pairs = list(Order.objects.filter(pk__in=order_ids).values_list("seller_id", "buyer_id"))
    sellers = [s for s, _ in pairs]
    # The seller's buyer figures too: R11 compares their sales with their purchases ("mostly sells").
    users_recompute_on_commit(seller_ids=sellers, buyer_ids=[b for _, b in pairs] + sellers)


# --- whole passes -----------------------------------------------------------------------------------------------


def _batch_roles(user_ids):
    """(seller ids, buyer ids) among these users: anyone with orders, Kworks or figures on that side."""
    sellers = set(
        Order.objects.filter(seller_id__in=user_ids).order_by().values_list("seller_id", flat=True).distinct()
    )
    sellers |= set(
        Kwork.objects.filter(seller_id__in=user_ids).order_by().values_list("seller_id", flat=True).distinct()
    )
    sellers |= set(SellerStats.objects.filter(seller_id__in=user_ids).values_list("seller_id", flat=True))
    buyers = set(
        Order.objects.filter(buyer_id__in=user_ids).order_by().values_list("buyer_id", flat=True).distinct()
    )
    buyers |= set(BuyerStats.objects.filter(buyer_id__in=user_ids).values_list("buyer_id", flat=True))
    buyers |= sellers  # R11 "mostly sells" needs the sales of sellers too
    return sellers, buyers


def _user_ids_after(position, batch_size):
    return list(
        get_user_model().objects.filter(pk__gt=position).order_by("pk").values_list("pk", flat=True)[:batch_size]
    )


def ratings_recompute_all(*, now=None, batch_size=rules.NIGHTLY_BATCH_SIZE, seller_ids=None):
    """Recompute everyone (or these sellers) now, in batches, without the cursor. Returns users recomputed."""
    now = now or timezone.now()
    if seller_ids is not None:
        sellers, buyers = _batch_roles(list(seller_ids))
        users_recompute(seller_ids=sellers | set(seller_ids), buyer_ids=buyers | set(seller_ids), now=now)
        return len(set(seller_ids))
    position, done = 0, 0
    while ids := _user_ids_after(position, batch_size):
        sellers, buyers = _batch_roles(ids)
        with transaction.atomic():
            users_recompute(seller_ids=sellers, buyer_ids=buyers, now=now)
        done += len(ids)
        position = ids[-1]
    return done


def _cursor_locked():
    RecomputeCursor.objects.get_or_create(name=NIGHTLY)
    return RecomputeCursor.objects.select_for_update(skip_locked=True).filter(name=NIGHTLY).first()


def ratings_recompute_nightly(*, now=None, batch_size=rules.NIGHTLY_BATCH_SIZE, max_batches=None):
    """The nightly pass over every user, batch by batch. Each batch is one transaction that holds the cursor row
    (FOR UPDATE SKIP LOCKED), recomputes the next `batch_size` users after the cursor and moves it on commit:
    a crash loses at most the batch in flight, and the next run resumes from the cursor. A second run started
    meanwhile finds the cursor locked and stops, or takes the next batch between two of the first run's: no
    batch is ever done twice. A pass that finished after this run started ends it. Returns batches done."""
    started = now or timezone.now()
    batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            cursor = _cursor_locked()
            if cursor is None:
                return batches  # another run holds it
            if cursor.finished_at and cursor.finished_at >= started and cursor.position == 0:
                return batches  # a pass finished since this run started: nothing left to do
            if cursor.position == 0:
                cursor.started_at = timezone.now()
            ids = _user_ids_after(cursor.position, batch_size)
            if not ids:
                cursor.position = 0
                cursor.finished_at = timezone.now()
                cursor.save()
                return batches
            sellers, buyers = _batch_roles(ids)
            users_recompute(seller_ids=sellers, buyer_ids=buyers, now=now)
            cursor.position = ids[-1]
            cursor.save()
            batches += 1
    return batches
