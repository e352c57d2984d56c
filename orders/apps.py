from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self):
        from marketplace import hooks
        from payments import references

        from .links import order_url
        from .models import Order

        # C8: the marketplace asks whether a seller has ever received an order.
        hooks.register("seller_has_orders", lambda seller: Order.objects.filter(seller=seller).exists())
        # The payments statement names "order:<id>" references and links them to the order page, for the
        # order's buyer and seller only (a referral partner's commission names no order).
        references.register("order", order_url, titles=_order_titles)


def _order_titles(pks, viewer):
    """{pk: title} of the orders among `pks` that `viewer` bought or sold (one query)."""
    from django.db.models import Q

    from .models import Order

    mine = Q(buyer=viewer) | Q(seller=viewer)
    return dict(Order.objects.filter(mine, pk__in=pks).values_list("pk", "title"))
