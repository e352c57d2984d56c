from celery.schedules import crontab

BEAT_SCHEDULE = {
    # C10: every 5 minutes, so the window opens at Friday 00:00 and closes at Monday 00:00 UTC within minutes
    # (the catalogue query also checks the window itself, so nothing shows late).
    "marketplace-weekend-sync": {
        "task": "marketplace.tasks.kworks_weekend_sync",
        "schedule": crontab(minute="*/5"),
    },
    # C12: the typo-correction vocabulary: the words of listed Kworks as written (PostgreSQL parses every text
    # again for it, about 8 s at 100,000 Kworks; readers keep the old words meanwhile).
    "marketplace-search-terms": {
        "task": "marketplace.tasks.search_terms_refresh",
        "schedule": crontab(minute=23, hour="*/6"),
    },
    # T1: a temporary block ends by the clock; its seller's Kworks come back within minutes.
    "marketplace-account-block-sync": {
        "task": "marketplace.tasks.sellers_account_block_sync",
        "schedule": crontab(minute="*/5"),
    },
    # C13: cart items are kept 14 days.
    "marketplace-cart-purge": {
        "task": "marketplace.tasks.cart_purge_expired",
        "schedule": crontab(minute=41, hour=3),
    },
}
