"""Celery tasks of buyer requests: the Q1 expiry sweep and the Q2 digests, each calling one service. Idempotent
(a due row is taken under SKIP LOCKED and is no longer due once handled)."""

import logging
import time

from celery import shared_task

from . import services

logger = logging.getLogger("gigly.sweeps")


def _run(name):
    started = time.monotonic()
    handled = getattr(services, name)()
    logger.info("sweep=%s handled=%s duration_ms=%d", name, handled, (time.monotonic() - started) * 1000)
    return handled


@shared_task
def requests_expire():
    return _run("requests_expire")


@shared_task
def request_digests_send():
    return _run("request_digests_send")


@shared_task
def request_alerts_purge():
    return _run("request_alerts_purge")
