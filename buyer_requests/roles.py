"""T6: what buyer requests give each role. Moderators activate or reject requests in the Django admin (Q1)."""

ROLE_PERMISSIONS = {
    "Moderators": [
        "buyer_requests.view_buyerrequest",
        "buyer_requests.change_buyerrequest",
    ],
}
