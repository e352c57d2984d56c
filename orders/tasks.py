"""Celery tasks of the orders app: the timer sweeps (O3, O5, O6, O8, O9/O10), each calling one service.

They take no arguments (a sweep finds its own due rows), are idempotent (a due row is re-checked under its
lock; a row already handled is no longer due) and are acknowledged late (settings: CELERY_TASK_ACKS_LATE), so a
worker lost mid-sweep leaves the task to be run again without doing anything twice. Each run logs one line,
`sweep=<name> handled=<count> duration_ms=<ms>`, on the logger "gigly.sweeps"."""

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
def orders_autocancel_unaccepted():
    return _run("orders_autocancel_unaccepted")


@shared_task
def orders_mark_overdue():
    return _run("orders_mark_overdue")


@shared_task
def orders_autocomplete():
    return _run("orders_autocomplete")


@shared_task
def orders_cancel_inactive():
    return _run("orders_cancel_inactive")


@shared_task
def cancellation_requests_autoconfirm():
    return _run("cancellation_requests_autoconfirm")
