from celery.schedules import crontab

BEAT_SCHEDULE = {
    "accounts-purge-old-read-notifications": {
        "task": "accounts.tasks.notifications_purge",
        "schedule": crontab(minute=17, hour=3),
    },
    "accounts-identity-documents-purge": {
        "task": "accounts.tasks.identity_documents_purge",
        "schedule": crontab(minute=41),
    },
}
