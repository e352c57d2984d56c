from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"

    def ready(self):
        from accounts.signals import account_block_changed

        def _block_changed(sender, user, **kwargs):
            from .services import sellers_account_block_sync

            sellers_account_block_sync(seller_ids=[user.pk])

        account_block_changed.connect(_block_changed, dispatch_uid="marketplace.account_block", weak=False)
