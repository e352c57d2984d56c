"""T6: what the marketplace gives each role. Moderators work in the Django admin (C7)."""

ROLE_PERMISSIONS = {
    "Moderators": [
        "marketplace.view_kwork",
        "marketplace.change_kwork",
        "marketplace.view_moderationqueue",
        "marketplace.change_moderationqueue",
        "marketplace.view_category",
        "marketplace.view_attribute",
        "marketplace.view_kworkimage",
        "marketplace.view_kworkoption",
        "marketplace.view_kworkpackage",
    ],
    "Support": [
        "marketplace.view_kwork",
        "marketplace.view_category",
    ],
}
