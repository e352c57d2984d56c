"""Celery tasks of the orders app: the timer sweeps (O3, O5, O6, O8, O9/O10), each calling one service.

They take no arguments (a sweep finds its own due rows), are idempotent (a due row is re-checked under its
lock; a row already handled is no longer due) and are acknowledged late (settings: CELERY_TASK_ACKS_LATE), so a
worker lost mid-sweep leaves the task to be run again without doing anything twice. Each run logs one line,
`sweep=<name> handled=<count> duration_ms=<ms>`, on the logger "gigly.sweeps"."""

from celery import shared_task

from common.sweeps import run_sweep

from . import services


@shared_task
def orders_autocancel_unaccepted():
    return run_sweep("orders_autocancel_unaccepted", services.orders_autocancel_unaccepted)


@shared_task
def orders_mark_overdue():
    return run_sweep("orders_mark_overdue", services.orders_mark_overdue)


@shared_task
def orders_autocomplete():
    return run_sweep("orders_autocomplete", services.orders_autocomplete)


@shared_task
def orders_cancel_inactive():
    return run_sweep("orders_cancel_inactive", services.orders_cancel_inactive)


@shared_task
def cancellation_requests_autoconfirm():
    return run_sweep("cancellation_requests_autoconfirm", services.cancellation_requests_autoconfirm)
