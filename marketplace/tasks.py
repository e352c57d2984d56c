"""Beat jobs of the marketplace: idempotent, each calls one service."""

from celery import shared_task

from . import services


@shared_task
def kworks_weekend_sync():
    """C10: hide/show the Kworks of sellers who hide them on weekends."""
    hidden, shown = services.kworks_weekend_sync()
    return {"hidden": hidden, "shown": shown}


@shared_task
def cart_purge_expired():
    """C13: remove cart items older than CART_ITEM_KEEP_DAYS."""
    return services.cart_purge_expired()


@shared_task
def search_terms_refresh():
    """C12: rebuild the typo-correction vocabulary from the listed Kworks."""
    return services.search_terms_refresh()


@shared_task
def sellers_account_block_sync():
    """T1: hide the Kworks of blocked sellers and show them again when a block has run out."""
    return services.sellers_account_block_sync()
