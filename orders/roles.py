"""T6: what the orders models give each role. Support looks at orders and cancels prohibited ones (C7) in the
admin; moderators see orders of the Kworks they moderate."""

ROLE_PERMISSIONS = {
    "Support": [
        "orders.view_order",
        "orders.change_order",
        "orders.view_orderevent",
        "orders.view_cancellationrequest",
        "orders.view_delivery",
        "orders.view_ordermessage",
    ],
    "Moderators": [
        "orders.view_order",
        "orders.change_order",
        "orders.view_orderevent",
    ],
}
