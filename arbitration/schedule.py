from celery.schedules import crontab

BEAT_SCHEDULE = {
    "arbitration-tickets-auto-close": {
        "task": "arbitration.tasks.tickets_auto_close",
        "schedule": crontab(minute=23),
    },
}
