from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"

    def ready(self):
        from accounts.signals import account_block_changed

        def _block_changed(sender, user, **kwargs):
            from .services import sellers_account_block_sync

            sellers_account_block_sync(seller_ids=[user.pk])

        account_block_changed.connect(_block_changed, dispatch_uid="marketplace.account_block", weak=False)

        from django.conf import settings
        from django.db.models.signals import post_save

        from .caching import user_saved

        # A seller's new name or avatar shows on their cards at once (cached grids: marketplace/caching.py).
        post_save.connect(user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="marketplace.card_user")
