"""Payments: every cent that moves through the marketplace (SPEC P1–P9).

Decisions where the rules leave a detail open (numbers live in payments/rules.py):
- Double-entry ledger in integer cents: accounts (user main, user bonus, escrow, platform, Stripe clearing,
  payouts, promo), append-only transactions and entries; every movement goes through services._post.
- Escrow (P2): `escrow_hold` spends the bonus part first, then main (P8). A hold is resolved exactly once; the
  same resolution retried returns the same ledger transaction (safe for Celery's acks_late), a different one
  raises DomainError. Refunds and arbitration splits give the bonus part back first, then main, so promo money
  never turns into withdrawable money.
- Commission (P3): the seller's 80 % is rounded down to the cent; the odd cent stays with the platform.
- Referrals (P7): commissions come out of the platform's share, on the part of the price paid from the buyer's
  main balance (for a split: the sold part's main money). Attachment is counted from sign-up: three years once
  active, 180 days otherwise. The partner link is /r/<login>/.
- Withdrawals (P4–P6): card payouts cost 4.5 % (rounded half up), kept by the platform when paid; the minimum
  is settings.PAYMENTS_WITHDRAWAL_MIN_CENTS (default $10). Card top-ups younger than 30 days are not
  withdrawable (cautiously, even if that money was spent meanwhile); once a user has added funds by card,
  payouts go only to such a card. Test-mode top-ups are not card money. Saving payout details starts the
  accounts app's one-week lock (A5/A6/P6). Support approves or rejects; approved requests are paid by the
  beat job on Mondays, Wednesdays and Fridays through a payout provider (built-in: a batch with a CSV).
- Stripe (P1): Checkout Sessions; the webhook verifies the signature (Stripe's 5-minute tolerance), records
  the event id once and credits in one transaction; the test-mode top-up exists only when
  rules.test_topup_enabled() (DEBUG without Stripe keys, or PAYMENTS_TEST_TOPUP; off in production).
"""
