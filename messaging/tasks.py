"""Celery tasks of the inbox: the M2 answer sweep and its reminders. No arguments, idempotent (a due row is taken
under SKIP LOCKED and is no longer due once handled), acknowledged late; each run logs one line on
"gigly.sweeps"."""

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
def answer_deadline_sweep():
    return _run("answer_deadline_sweep")


@shared_task
def answer_reminders_sweep():
    return _run("answer_reminders_sweep")
