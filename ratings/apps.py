from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Ratings"

    def ready(self):
        from marketplace import hooks
        from messaging.signals import seller_responses_changed
        from orders.signals import order_finished, order_started

        from . import reads
        from .services import orders_recompute_on_commit, users_recompute_on_commit

        # R7/R8/C8/C15: the catalogue and offers ask a seller's level.
        hooks.register("seller_level", lambda seller: reads.stats_for(seller).level)

        def _recompute(sender, order_ids, **kwargs):
            orders_recompute_on_commit(order_ids=order_ids)

        # Completion, cancellation, arbitration decisions: recompute the parties once the order's change commits.
        order_finished.connect(_recompute, dispatch_uid="ratings.order_finished", weak=False)
        # R5: the time to start work counts every started order.
        order_started.connect(_recompute, dispatch_uid="ratings.order_started", weak=False)

        def _responses(sender, seller_ids, **kwargs):
            users_recompute_on_commit(seller_ids=seller_ids, buyer_ids=())

        # R10: a seller answered a buyer's new message, or let its deadline pass.
        seller_responses_changed.connect(_responses, dispatch_uid="ratings.seller_responses", weak=False)
