"""T6: what the orders models give each role. Support reads orders for its cases; it cancels prohibited ones
(C7) in the back office (/backoffice/orders/), through orders.services, not by changing rows in the admin.
Moderators get nothing here: they work on Kworks only."""

ROLE_PERMISSIONS = {
    "Support": [
        "orders.view_order",
        "orders.view_orderevent",
        "orders.view_cancellationrequest",
        "orders.view_delivery",
        "orders.view_ordermessage",
    ],
}
