"""Every write of the orders app (SPEC O1–O10, O12–O14, M3, M5, C5, C7, C11b). Views, admin, tasks and other apps
call these functions; nothing else calls a transition of `Order`. Split by use-case family (like Zulip's
`zerver/actions/`): placing, lifecycle, cancellation, arbitration, chat, sweeps; `batch` runs the sweeps,
`common` holds what they share, and the row locks are in `orders/lock_objects.py`.

Each use case: keyword-only arguments, one `transaction.atomic`, the order row locked first (`select_for_update`,
then the escrow hold and ledger accounts inside payments — always in that order), who-may-act and state checks
that raise `DomainError` with a message for the user before anything is written, then the transition, an
`OrderEvent` (O14), the money (escrow_refund on every cancellation, escrow_release on completion) and
notifications to the other party (A11, accounts.rules.NotificationKind).

Timer sweeps (O3, O5, O6, O8) lock a batch of due orders with one indexed range scan
`select_for_update(skip_locked=True)` and settle it in one short transaction with bulk writes and payments'
batch escrow API; O9/O10 auto-confirmation takes each request in its own transaction. Two sweeps at once never
act on the same order, and a sweep killed midway loses nothing and doubles nothing when run again.

Public API:
    order_place(*, buyer, kwork, quantity=1, option_ids=(), package=None) -> Order
    order_place_custom(*, buyer, kwork, title, price_cents, lead_time_days) -> Order   (O1 for C15 offers)
    cart_checkout(*, buyer, item_ids=None) -> list[Order]
    order_requirements_send(*, order, buyer, text, files=()) -> Order
    order_start(*, order, seller) -> Order
    order_deliver(*, order, seller, message, files=()) -> Delivery
    order_accept_delivery(*, order, buyer) -> Order
    order_request_revision(*, order, buyer, reason) -> Order
    order_cancel_quick(*, order, buyer) -> Order
    cancellation_request_create(*, order, user, reason, comment="") -> CancellationRequest | Order
    cancellation_request_answer(*, request, user, accept) -> CancellationRequest
    cancellation_request_withdraw(*, request, user) -> CancellationRequest
    order_cancel_by_staff(*, order, staff_user, reason) -> Order
    order_message_send(*, order, author, text, files=()) -> OrderMessage
    order_accept_with_portfolio_choice(*, order, buyer, portfolio_consent) -> Order    (O6 + C14 consent)
    order_portfolio_consent_set(*, order, buyer, consent) -> Order                    (C14: allow / withdraw)
    order_portfolio_upload(*, order, seller, upload) -> marketplace PortfolioItem     (C14)
    order_portfolio_remove(*, order, seller) -> Order                                 (C14)
    order_open_arbitration(*, order, user, description, notify_other_party) -> Order (O12, for arbitration)
    order_arbitration_resolve(*, order, staff_user, refund_cents, reasoning, agreed=False) -> Order  (O12)
    orders_autocancel_unaccepted / orders_mark_overdue / orders_autocomplete / orders_cancel_inactive /
    cancellation_requests_autoconfirm (*, now=None, batch_size=rules.SWEEP_BATCH_SIZE) -> int (rows handled)

The reasons a person may choose now are a read: selectors.cancellation_reasons_for(*, order, user).
"""

from common.errors import DomainError

from .arbitration import order_arbitration_resolve, order_open_arbitration
from .cancellation import (
    cancellation_request_answer,
    cancellation_request_create,
    cancellation_request_withdraw,
    order_cancel_by_staff,
)
from .chat import order_message_send
from .lifecycle import (
    order_accept_delivery,
    order_cancel_quick,
    order_deliver,
    order_request_revision,
    order_requirements_send,
    order_start,
)
from .placing import cart_checkout, order_place, order_place_custom
from .portfolio import (
    order_accept_with_portfolio_choice,
    order_portfolio_consent_set,
    order_portfolio_remove,
    order_portfolio_upload,
)
from .sweeps import (
    cancellation_requests_autoconfirm,
    orders_autocancel_unaccepted,
    orders_autocomplete,
    orders_cancel_inactive,
    orders_mark_overdue,
)

__all__ = [
    "DomainError",
    "cancellation_request_answer",
    "cancellation_request_create",
    "cancellation_request_withdraw",
    "cancellation_requests_autoconfirm",
    "cart_checkout",
    "order_accept_delivery",
    "order_accept_with_portfolio_choice",
    "order_arbitration_resolve",
    "order_cancel_by_staff",
    "order_cancel_quick",
    "order_deliver",
    "order_message_send",
    "order_open_arbitration",
    "order_place",
    "order_place_custom",
    "order_portfolio_consent_set",
    "order_portfolio_remove",
    "order_portfolio_upload",
    "order_request_revision",
    "order_requirements_send",
    "order_start",
    "orders_autocancel_unaccepted",
    "orders_autocomplete",
    "orders_cancel_inactive",
    "orders_mark_overdue",
]
