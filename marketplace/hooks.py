"""Facts about a seller that other apps own (DESIGN: marketplace knows nothing of orders or ratings).

The orders app registers `seller_has_orders`, the ratings app `seller_level`, from their AppConfig.ready():

    from marketplace import hooks
    hooks.register("seller_has_orders", lambda seller: Order.objects.filter(seller=seller).exists())
    hooks.register("seller_level", lambda seller: stats_for(seller).level)   # "newbie" / "advanced" / "pro"

Until they do, a seller has no orders and is a Newbie (C8, R8).
"""

NEWBIE = "newbie"
ADVANCED = "advanced"
PROFESSIONAL = "professional"

_providers = {}


def register(name, func):
    if name not in {"seller_has_orders", "seller_level"}:
        raise ValueError(f"Unknown marketplace hook {name!r}")
    _providers[name] = func


def unregister(name):
    _providers.pop(name, None)


def seller_has_orders(seller):
    """C8: has the seller ever received an order? Filled by the orders app."""
    provider = _providers.get("seller_has_orders")
    return bool(provider(seller)) if provider else False


def seller_level(seller):
    """R7: "newbie", "advanced" or "professional". Filled by the ratings app."""
    provider = _providers.get("seller_level")
    return provider(seller) if provider else NEWBIE
