"""Payments: every cent that moves through the marketplace (SPEC P1–P9).

Decisions where the rules leave a detail open (every number lives in payments/rules.py, named once):
- Double-entry ledger in integer cents: accounts (user main, user bonus, escrow, platform, Stripe clearing,
  payouts, promo), append-only transactions and entries; every movement goes through the one posting
  primitive in services/ledger.py (`_post` / `_post_many`), the only code that writes entries and balances.
- Escrow (P2): `escrow_hold` spends the bonus part first, then main (P8). A hold is resolved exactly once; the
  same resolution retried returns the same ledger transaction (safe for Celery's acks_late), a different one
  raises DomainError. Refunds and arbitration splits give the bonus part back first, then main, so promo money
  never turns into withdrawable money.
- Commission (P3): `rules.seller_share_cents` is the one computation of the seller's share (rounded down to
  the cent; the odd cent stays with the platform); the ledger, price quotes and order pages all call it.
- Referrals (P7): commissions come out of the platform's share, on the part of the price paid from the buyer's
  main balance (for a split: the sold part's main money). Attachment is counted from sign-up: longer once
  active, shorter otherwise (rules.REFERRAL_*). The partner link is /r/<login>/.
- Withdrawals (P4–P6): the card payout fee is rounded half up and kept by the platform when paid; the minimum
  can be overridden by settings.PAYMENTS_WITHDRAWAL_MIN_CENTS. Card top-ups younger than the hold period are
  not withdrawable (cautiously, even if that money was spent meanwhile); once a user has added funds by card,
  payouts go only to such a card. Test-mode top-ups are not card money. Saving payout details starts the
  accounts app's lock (A5/A6/P6). Support approves or rejects; approved requests are paid by the beat job on
  rules.PAYOUT_WEEKDAYS through a payout provider (built-in: a batch with a CSV).
- Money actions (saving payout details, requesting a withdrawal) need a login or password re-entry within
  allauth's reauthentication window; an older session is sent to confirm the password (issue 9).
- Every CSV (statement, payout batch) is written through common/csv.py, which neutralises formulas.
- Statement links: a ledger reference is "<prefix>:<key>"; payments.references maps prefixes to URL builders
  that other apps register in their AppConfig.ready (orders registers "order"), so payments never hard-codes
  another app's URLs.
- Stripe (P1): Checkout Sessions; the webhook verifies the signature (Stripe's 5-minute tolerance), records
  the event id once and credits in one transaction; the test-mode top-up exists only when
  rules.test_topup_enabled() (DEBUG without Stripe keys, or PAYMENTS_TEST_TOPUP; off in production).
  Demo data, test helpers and benchmarks put money on a balance with services.balance_fund.
"""
