from tests.orders.factories import buyer, kwork, seller  # noqa: F401  (fixtures)
