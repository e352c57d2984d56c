"""The buyer requests timers (Q1, Q2). Gathered by config/celery.py."""

from datetime import timedelta

from celery.schedules import crontab

from . import rules

SWEEP_EXPIRES_SECONDS = 55  # a sweep still queued when the next one is due is dropped, not piled up

BEAT_SCHEDULE = {
    # Q1: open requests close OPEN_HOURS after activation (pages check the deadline themselves meanwhile).
    "buyer-requests-expire": {
        "task": "buyer_requests.tasks.requests_expire",
        "schedule": crontab(),
        "options": {"expires": SWEEP_EXPIRES_SECONDS},
    },
    # Q2: one digest per seller per interval, however many requests arrived meanwhile.
    "buyer-requests-digests": {
        "task": "buyer_requests.tasks.request_digests_send",
        "schedule": timedelta(minutes=rules.DIGEST_INTERVAL_MINUTES),
    },
    "buyer-requests-alerts-purge": {
        "task": "buyer_requests.tasks.request_alerts_purge",
        "schedule": crontab(minute=17, hour=4),
    },
}
