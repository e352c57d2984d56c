"""Celery tasks of the inbox: the M2 answer sweep and its reminders. No arguments, idempotent (a due row is taken
under SKIP LOCKED and is no longer due once handled), acknowledged late; each run logs one line on
"gigly.sweeps"."""

from celery import shared_task

from common.sweeps import run_sweep

from . import services


@shared_task
def answer_deadline_sweep():
    return run_sweep("answer_deadline_sweep", services.answer_deadline_sweep)


@shared_task
def answer_reminders_sweep():
    return run_sweep("answer_reminders_sweep", services.answer_reminders_sweep)
