"""Celery tasks of ratings: take ids, call one service, idempotent (every recalculation starts from scratch),
acknowledged late (settings), so a lost worker's task simply runs again."""

import logging
import time

from celery import shared_task

from . import services

logger = logging.getLogger("gigly.ratings")


@shared_task
def ratings_recompute_users(seller_ids=(), buyer_ids=()):
    """After an event that moves figures (queued on commit by the services and the orders signal)."""
    services.users_recompute(seller_ids=seller_ids, buyer_ids=buyer_ids)


@shared_task
def ratings_recompute_nightly():
    """The nightly pass (beat): every user in resumable batches; fixes drift and time windows that slide."""
    started = time.monotonic()
    batches = services.ratings_recompute_nightly()
    logger.info("ratings=nightly batches=%s duration_ms=%d", batches, (time.monotonic() - started) * 1000)
    return batches
