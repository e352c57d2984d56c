"""Timed jobs of the payments app (gathered by config/celery.py)."""

from celery.schedules import crontab

from . import rules

BEAT_SCHEDULE = {
    "payments-payout-batch": {
        "task": "payments.tasks.payout_batch_run",
        # P4: the payout days (the service checks the day again, so a late run on another day pays nothing).
        "schedule": crontab(minute=0, hour=rules.PAYOUT_BATCH_HOUR_UTC, day_of_week=rules.PAYOUT_DAYS_CRONTAB),
    },
}
