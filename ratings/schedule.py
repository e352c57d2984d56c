"""The ratings beat job: the nightly recomputation (R3–R11). Gathered by config/celery.py."""

from celery.schedules import crontab

from . import rules

BEAT_SCHEDULE = {
    "ratings-recompute-nightly": {
        "task": "ratings.tasks.ratings_recompute_nightly",
        "schedule": crontab(hour=rules.NIGHTLY_HOUR_UTC, minute=0),
        "options": {"expires": 6 * 60 * 60},  # a run still queued hours later is dropped; the next night resumes
    },
}
