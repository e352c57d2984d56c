"""The offer expiry sweep (C15). Gathered by config/celery.py. Accepting checks the clock itself, so the sweep
only tidies the status the pages and lists show."""

from celery.schedules import crontab

from . import rules

BEAT_SCHEDULE = {
    "offers-expire": {
        "task": "offers.tasks.offers_expire",
        "schedule": crontab(minute=f"*/{rules.SWEEP_EVERY_MINUTES}"),
        "options": {"expires": rules.SWEEP_EVERY_MINUTES * 60 - 5},
    },
}
