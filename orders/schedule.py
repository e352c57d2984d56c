"""The orders timers (O3, O5, O6, O8, O9/O10), every minute. Gathered by config/celery.py."""

from celery.schedules import crontab

SWEEP_EXPIRES_SECONDS = 55  # a sweep still queued when the next one is due is dropped, not piled up

BEAT_SCHEDULE = {
    f"orders-{name.replace('_', '-')}": {
        "task": f"orders.tasks.{name}",
        "schedule": crontab(),
        "options": {"expires": SWEEP_EXPIRES_SECONDS},
    }
    for name in (
        "orders_autocancel_unaccepted",
        "orders_mark_overdue",
        "orders_autocomplete",
        "orders_cancel_inactive",
        "cancellation_requests_autoconfirm",
    )
}
