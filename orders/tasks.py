"""Celery tasks of the orders app: the timer sweeps (O3, O5, O6, O8, O9/O10), each calling one service.

They take no arguments (a sweep finds its own due rows), are idempotent (a due row is re-checked under its
lock; a row already handled is no longer due) and are acknowledged late, so a worker lost mid-sweep leaves the
task to be run again without doing anything twice."""

from celery import shared_task

from . import services

SWEEP_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(**SWEEP_OPTIONS)
def orders_autocancel_unaccepted():
    return services.orders_autocancel_unaccepted()


@shared_task(**SWEEP_OPTIONS)
def orders_mark_overdue():
    return services.orders_mark_overdue()


@shared_task(**SWEEP_OPTIONS)
def orders_autocomplete():
    return services.orders_autocomplete()


@shared_task(**SWEEP_OPTIONS)
def orders_cancel_inactive():
    return services.orders_cancel_inactive()


@shared_task(**SWEEP_OPTIONS)
def cancellation_requests_autoconfirm():
    return services.cancellation_requests_autoconfirm()
