from tests.orders.factories import buyer, kwork  # noqa: F401  (fixtures)
