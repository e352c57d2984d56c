"""Every write of the marketplace, one function per use case (DESIGN: services), split by family:

- validation: the editor's data (C1–C5, M3)          - kworks: create, update, submit, delete, discard (C8)
- media: gallery images and files (C6)                - moderation: approve, reject (C7)
- visibility: pause, weekends, automatic pause (C9–C11) - cart: favourites and cart (C13)
- search: search vectors, typo vocabulary (C12)       - stats: figures fed by ratings (C12 sorting)
- portfolio: portfolio items and the automatic pause for a missing portfolio (C14, C11(a))

Public API for other apps:
- `price_quote(*, kwork, quantity=1, option_ids=(), package=None) -> Quote` (C5; from marketplace.pricing)
- `kwork_autopause_sync(*, seller, in_progress_count)` (C11(b); the orders app calls it when the number of
  the seller's orders in progress changes)
- `portfolio_item_add(...)`, `portfolio_item_remove(*, order_id)`, `kwork_portfolio_orders_set(*, kwork, count)`
  (C14, C11(a); the orders app calls them: it owns the buyer's consent)
- `seller_stats_sync(*, seller, rating, feedback_count, responsibility, level)` and
  `kwork_stats_sync(*, kwork, rating, feedback_count, conversion, orders_count, top_rated)` (ratings app)
- `Kwork.is_orderable_by(user)` / `Kwork.order_refusal(user)` (models)

Reads (`price_points_for`, `kwork_get_for_seller`, `is_weekend_window`, ...) live in marketplace.selectors.
"""

from accounts import services as account_services  # views call ensure_email_confirmed through it
from common.errors import DomainError

from ..pricing import Quote, price_quote  # re-exported for the orders app
from .cart import cart_add, cart_item_remove, cart_item_update, cart_purge_expired, favourite_toggle
from .kworks import kwork_changes_discard, kwork_create, kwork_delete, kwork_submit, kwork_update
from .media import kwork_file_add, kwork_file_delete, kwork_image_add, kwork_image_delete
from .moderation import kwork_approve, kwork_reject
from .portfolio import (
    category_portfolio_sync,
    kwork_portfolio_orders_set,
    kwork_portfolio_sync,
    portfolio_item_add,
    portfolio_item_remove,
    portfolio_share_too_low,
)
from .search import kwork_search_vectors_update, search_terms_refresh
from .stats import kwork_stats_sync, seller_stats_sync
from .validation import kwork_data_validate, youtube_id_from_url
from .visibility import (
    kwork_activate,
    kwork_autopause_sync,
    kwork_pause,
    kworks_weekend_sync,
    seller_weekend_setting_set,
    sellers_account_block_sync,
)

__all__ = [
    "DomainError",
    "Quote",
    "account_services",
    "cart_add",
    "cart_item_remove",
    "cart_item_update",
    "cart_purge_expired",
    "category_portfolio_sync",
    "favourite_toggle",
    "kwork_activate",
    "kwork_approve",
    "kwork_autopause_sync",
    "kwork_changes_discard",
    "kwork_create",
    "kwork_data_validate",
    "kwork_delete",
    "kwork_file_add",
    "kwork_file_delete",
    "kwork_image_add",
    "kwork_image_delete",
    "kwork_pause",
    "kwork_portfolio_orders_set",
    "kwork_portfolio_sync",
    "kwork_reject",
    "kwork_search_vectors_update",
    "kwork_stats_sync",
    "kwork_submit",
    "kwork_update",
    "kworks_weekend_sync",
    "portfolio_item_add",
    "portfolio_item_remove",
    "portfolio_share_too_low",
    "price_quote",
    "search_terms_refresh",
    "seller_stats_sync",
    "seller_weekend_setting_set",
    "sellers_account_block_sync",
    "youtube_id_from_url",
]
