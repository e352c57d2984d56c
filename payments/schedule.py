"""Timed jobs of the payments app (gathered by config/beat.py)."""

from celery.schedules import crontab

from . import rules

BEAT_SCHEDULE = {
    "payments-payout-batch": {
        "task": "payments.tasks.payout_batch_run",
        # P4: Mondays, Wednesdays and Fridays.
        "schedule": crontab(minute=0, hour=rules.PAYOUT_BATCH_HOUR_UTC, day_of_week="mon,wed,fri"),
    },
}
