"""Every write of the payments app. Nothing else writes the ledger (DESIGN: Money); inside the app only
services/ledger.py writes ledger entries and balances, through its one posting primitive `_post`.

Modules: ledger (accounts, the posting primitive), escrow, topups (Stripe, test mode, `balance_fund`), promo,
withdrawals (with payout batches), referrals. Reads live in payments.selectors.

Public API for other apps (keyword-only):
    escrow_hold(*, buyer, amount_cents, reference, idempotency_key) -> EscrowHold
    escrow_release(*, hold, seller) -> LedgerTransaction
    escrow_refund(*, hold) -> LedgerTransaction
    escrow_split(*, hold, seller, refund_cents) -> LedgerTransaction
    escrow_refund_many(*, holds) -> list[LedgerTransaction]            (batch, for timer sweeps)
    escrow_release_many(*, releases=[(hold, seller), ...]) -> list[LedgerTransaction]
    referral_mark_active(*, user) -> Referral | None
    topup_url(*, amount_cents, next_url) -> str
    balance_fund(*, user, amount_cents, card_fingerprint="", card_last4="") -> TopUp   (demo data and tests)
and payments.selectors.balance_of(user) -> Balance; system_balance(kind) -> cents (a system account's shards
summed; system_account(kind, shard) is one row of it).
"""

from .escrow import (
    InsufficientFunds,
    escrow_hold,
    escrow_refund,
    escrow_refund_many,
    escrow_release,
    escrow_release_many,
    escrow_split,
)
from .ledger import system_account, system_balance, user_account
from .promo import promo_redeem
from .referrals import referral_attach, referral_mark_active
from .topups import (
    WebhookRejected,
    balance_fund,
    stripe_webhook_handle,
    topup_checkout_start,
    topup_test_credit,
    topup_url,
)
from .withdrawals import (
    payout_batch_run,
    payout_details_save,
    withdrawal_approve,
    withdrawal_reject,
    withdrawal_request,
)

__all__ = [
    "InsufficientFunds",
    "WebhookRejected",
    "balance_fund",
    "escrow_hold",
    "escrow_refund",
    "escrow_refund_many",
    "escrow_release",
    "escrow_release_many",
    "escrow_split",
    "payout_batch_run",
    "payout_details_save",
    "promo_redeem",
    "referral_attach",
    "referral_mark_active",
    "stripe_webhook_handle",
    "system_account",
    "system_balance",
    "topup_checkout_start",
    "topup_test_credit",
    "topup_url",
    "user_account",
    "withdrawal_approve",
    "withdrawal_reject",
    "withdrawal_request",
]
