"""The ledger and everything that moves money (DESIGN: Money). Amounts are integer cents, USD.

Only `payments.services` writes these rows; ledger entries and transactions are append-only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from common.errors import DomainError
from common.money import format_cents


class LedgerAccount(models.Model):
    """One row per (owner, kind) for people; for the system accounts (owner NULL) one row per (kind, shard), so
    that postings of different orders lock different rows (rules.SYSTEM_ACCOUNT_SHARDS; a system account's
    balance is the sum of its shards). `balance_cents` caches the sum of the row's entries; it is only changed
    by `services.ledger._post`, under a row lock, in the transaction that writes the entries."""

    class Kind(models.TextChoices):
        USER_MAIN = "user_main", "Main balance"
        USER_BONUS = "user_bonus", "Bonus balance"
        ESCROW = "escrow", "Escrow"
        PLATFORM = "platform", "Platform revenue"
        STRIPE_CLEARING = "stripe_clearing", "Stripe clearing (outside world)"
        PAYOUTS = "payouts", "Payouts (pending withdrawals)"
        PROMO = "promo", "Promotions"

    USER_KINDS = (Kind.USER_MAIN, Kind.USER_BONUS)
    # The sources of money that enters or leaves the system: they go negative by design.
    SOURCE_KINDS = (Kind.STRIPE_CLEARING, Kind.PROMO)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    shard = models.PositiveSmallIntegerField(default=0)
    balance_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind"], condition=Q(owner__isnull=False), name="ledger_account_one_per_owner"
            ),
            models.UniqueConstraint(
                fields=["kind", "shard"], condition=Q(owner__isnull=True), name="ledger_account_system_shard"
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(kind__in=["user_main", "user_bonus"]),
                name="ledger_account_user_kinds",
            ),
            models.CheckConstraint(condition=Q(owner__isnull=True) | Q(shard=0), name="ledger_account_user_shard"),
            # P9: no balance below zero, except the two sources (Stripe clearing, promotions).
            models.CheckConstraint(
                condition=Q(balance_cents__gte=0) | Q(kind__in=["stripe_clearing", "promo"]),
                name="ledger_account_balance_not_negative",
            ),
        ]

    def __str__(self):
        if self.owner_id:
            return f"{self.owner.username}: {self.get_kind_display()}"
        return f"system: {self.get_kind_display()} (part {self.shard + 1})"

    @property
    def may_go_negative(self):
        return self.kind in self.SOURCE_KINDS


class AppendOnly(models.Model):
    """Rows that are written once and never changed or removed (the ledger's history)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DomainError("Ledger records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError("Ledger records are append-only.")


class LedgerTransaction(AppendOnly):
    class Kind(models.TextChoices):
        TOPUP = "topup", "Funds added"
        ESCROW_HOLD = "escrow_hold", "Payment held in escrow"
        ESCROW_RELEASE = "escrow_release", "Escrow released to the seller"
        ESCROW_REFUND = "escrow_refund", "Escrow refunded"
        ESCROW_SPLIT = "escrow_split", "Escrow split by arbitration"
        WITHDRAWAL_REQUEST = "withdrawal_request", "Withdrawal requested"
        WITHDRAWAL_REJECT = "withdrawal_reject", "Withdrawal rejected, money returned"
        WITHDRAWAL_PAYOUT = "withdrawal_payout", "Withdrawal paid out"
        PROMO_REDEEM = "promo_redeem", "Promo code"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=150, unique=True)
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.reference}"


class LedgerEntry(AppendOnly):
    """One leg of a transaction: a signed amount on one account. The legs of a transaction sum to zero."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount_cents = models.BigIntegerField()
    balance_after_cents = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["account", "-id"], name="ledger_entry_account_recent")]
        constraints = [models.CheckConstraint(condition=~Q(amount_cents=0), name="ledger_entry_not_zero")]

    def __str__(self):
        return f"{self.account}: {format_cents(self.amount_cents)}"


class EscrowHold(models.Model):
    """An order's money in escrow (P2): placed once, resolved exactly once (released, refunded or split)."""

    class Status(models.TextChoices):
        HELD = "held", "Held"
        RELEASED = "released", "Released to the seller"
        REFUNDED = "refunded", "Refunded to the buyer"
        SPLIT = "split", "Split by arbitration"

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escrow_holds")
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="escrow_sales"
    )
    amount_cents = models.BigIntegerField()
    main_cents = models.BigIntegerField()
    bonus_cents = models.BigIntegerField()
    refund_cents = models.BigIntegerField(default=0)
    reference = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    hold_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="escrow_hold"
    )
    resolution_transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="escrow_resolution"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="escrow_amount_positive"),
            models.CheckConstraint(
                condition=Q(main_cents__gte=0) & Q(bonus_cents__gte=0), name="escrow_parts_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_cents=models.F("main_cents") + models.F("bonus_cents")),
                name="escrow_parts_sum",
            ),
            models.CheckConstraint(
                condition=(Q(status="held") & Q(resolved_at__isnull=True) & Q(resolution_transaction__isnull=True))
                | (~Q(status="held") & Q(resolved_at__isnull=False) & Q(resolution_transaction__isnull=False)),
                name="escrow_resolved_once",
            ),
        ]

    def __str__(self):
        return f"Escrow {self.reference} ({self.get_status_display()})"

    @property
    def is_open(self):
        return self.status == self.Status.HELD


class TopUp(models.Model):
    """P1: adding funds by card (Stripe Checkout), or in test mode without Stripe keys."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for payment"
        CREDITED = "credited", "Credited"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="topups")
    amount_cents = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    is_test = models.BooleanField(default=False)
    stripe_session_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    card_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    next_url = models.CharField(max_length=500, blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="topup"
    )
    created_at = models.DateTimeField(default=timezone.now)
    credited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "credited_at"], name="topup_user_credited")]
        constraints = [models.CheckConstraint(condition=Q(amount_cents__gt=0), name="topup_amount_positive")]

    def __str__(self):
        return f"Top-up #{self.pk} {self.user} {format_cents(self.amount_cents)}"

    @property
    def is_card_money(self):
        return not self.is_test


class StripeEvent(models.Model):
    """Each Stripe event id is processed once (P1): a replay finds its row and changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.event_id} {self.type}"


class PayoutDetails(models.Model):
    """Where a user's withdrawals go: a payment card (P5: a card used to add funds, when there is one).
    Saving new details starts the one-week lock (P6)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_details")
    holder_name = models.CharField(max_length=100)
    card_last4 = models.CharField(max_length=4)
    card_fingerprint = models.CharField(max_length=64, blank=True)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_current=True), name="payout_details_one_current"
            )
        ]

    def __str__(self):
        return f"Card •••• {self.card_last4} ({self.holder_name})"


class PayoutBatch(models.Model):
    """P4: approved withdrawals paid together (Mondays, Wednesdays, Fridays)."""

    provider = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=0)
    total_cents = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"Payout batch #{self.pk}"


class Withdrawal(models.Model):
    """P4: a request from the main part; its money waits in the payouts account until paid or rejected."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for review"
        APPROVED = "approved", "Approved, in the next payout batch"
        REJECTED = "rejected", "Rejected, money returned"
        PAID = "paid", "Paid"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="withdrawals")
    amount_cents = models.BigIntegerField()
    fee_cents = models.BigIntegerField()
    payout_cents = models.BigIntegerField()
    payout_details = models.ForeignKey(PayoutDetails, on_delete=models.PROTECT, related_name="withdrawals")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reject_reason = models.CharField(max_length=300, blank=True)
    batch = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="withdrawals"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    request_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="withdrawal_requested"
    )
    resolution_transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="withdrawal_resolved"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="withdrawal_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_cents=models.F("fee_cents") + models.F("payout_cents")),
                name="withdrawal_fee_sum",
            ),
        ]

    def __str__(self):
        return f"Withdrawal #{self.pk} {self.user} {format_cents(self.amount_cents)}"


class PromoCode(models.Model):
    """P8: created by staff in the admin; each user redeems a code once, into the bonus part."""

    code = models.CharField(max_length=40, unique=True, help_text="Stored in capitals; users type any case.")
    amount_cents = models.BigIntegerField(help_text="Bonus credited, in cents (1000 = $10.00).")
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no limit.")
    times_redeemed = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_cents__gt=0), name="promo_amount_positive")]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


class PromoRedemption(models.Model):
    code = models.ForeignKey(PromoCode, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promo_redemptions")
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="promo_redemption"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "user"], name="promo_once_per_user")]

    def __str__(self):
        return f"{self.code} by {self.user}"


class Referral(models.Model):
    """P7: who brought whom. Active once the referred person orders or sells within 180 days of sign-up."""

    partner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals")
    referred = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referred_by")
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(partner=models.F("referred")), name="referral_not_self")
        ]

    def __str__(self):
        return f"{self.partner} → {self.referred}"


class ReferralCommission(models.Model):
    """P7: one commission leg of a release or split, recorded for the partner's Referrals page."""

    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        PURCHASE = "purchase", "Purchase"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="commissions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    base_cents = models.BigIntegerField()
    amount_cents = models.BigIntegerField()
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="commissions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.get_kind_display()} commission {format_cents(self.amount_cents)} ({self.referral})"
