"""The offer expiry sweep (C15), run by beat (schedule.py). Idempotent: an offer already marked is no longer due."""

import logging
import time

from celery import shared_task

from . import services

logger = logging.getLogger("gigly.sweeps")


@shared_task
def offers_expire():
    started = time.monotonic()
    handled = services.offers_expire()
    logger.info("sweep=offers_expire handled=%s duration_ms=%d", handled, (time.monotonic() - started) * 1000)
    return handled
