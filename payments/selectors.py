"""Reads of the payments app, shaped for the pages that use them (constant query counts)."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from common.csv import amount as csv_amount

from . import references, rules
from .models import (
    EscrowHold,
    LedgerAccount,
    LedgerEntry,
    PayoutBatch,
    PayoutDetails,
    Referral,
    ReferralCommission,
    TopUp,
    Withdrawal,
)


@dataclass(frozen=True)
class Balance:
    main_cents: int
    bonus_cents: int
    escrow_cents: int
    withdrawable_cents: int

    @property
    def spendable_cents(self):
        return self.main_cents + self.bonus_cents


def _balances(user):
    rows = LedgerAccount.objects.filter(owner=user).values_list("kind", "balance_cents")
    found = dict(rows)
    return found.get(LedgerAccount.Kind.USER_MAIN, 0), found.get(LedgerAccount.Kind.USER_BONUS, 0)


def recent_card_money_cents(user, *, now=None):
    """P5: money added by card in the last month (not yet withdrawable)."""
    now = now or timezone.now()
    since = now - timedelta(days=rules.CARD_MONEY_HOLD_DAYS)
    total = TopUp.objects.filter(
        user=user, status=TopUp.Status.CREDITED, is_test=False, credited_at__gt=since
    ).aggregate(total=Sum("amount_cents"))["total"]
    return total or 0


def withdrawable_from(main_cents, recent_card_cents):
    """P4/P5: the main part less card money younger than a month. Card money is counted as still there even
    if some of it was spent (the cautious reading: nothing added by card leaves to a bank within a month)."""
    return max(0, main_cents - recent_card_cents)


def balance_of(user):
    """`Balance(main_cents, bonus_cents, escrow_cents, withdrawable_cents)` of a user (P1, P2, P4, P5)."""
    main, bonus = _balances(user)
    escrow = (
        EscrowHold.objects.filter(buyer=user, status=EscrowHold.Status.HELD).aggregate(total=Sum("amount_cents"))[
            "total"
        ]
        or 0
    )
    return Balance(
        main_cents=main,
        bonus_cents=bonus,
        escrow_cents=escrow,
        withdrawable_cents=withdrawable_from(main, recent_card_money_cents(user)),
    )


def card_money_available_on(user):
    """P5: when the youngest card money becomes withdrawable, or None."""
    since = timezone.now() - timedelta(days=rules.CARD_MONEY_HOLD_DAYS)
    latest = (
        TopUp.objects.filter(user=user, status=TopUp.Status.CREDITED, is_test=False, credited_at__gt=since)
        .order_by("-credited_at")
        .values_list("credited_at", flat=True)
        .first()
    )
    return latest + timedelta(days=rules.CARD_MONEY_HOLD_DAYS) if latest else None


def statement_entries(*, user):
    """P9: every entry on the user's main and bonus accounts, newest first (one query per page)."""
    return (
        LedgerEntry.objects.filter(
            account__owner=user, account__kind__in=[LedgerAccount.Kind.USER_MAIN, LedgerAccount.Kind.USER_BONUS]
        )
        .select_related("transaction", "account")
        .order_by("-id")
    )


def topup_cards(user):
    """P5: the cards (fingerprint → last4) the user added funds with."""
    rows = (
        TopUp.objects.filter(user=user, status=TopUp.Status.CREDITED, is_test=False)
        .exclude(card_fingerprint="")
        .order_by("-credited_at")
        .values_list("card_fingerprint", "card_last4")
    )
    cards = {}
    for fingerprint, last4 in rows:
        cards.setdefault(fingerprint, last4)
    return cards


def payout_details_current(user):
    return PayoutDetails.objects.filter(user=user, is_current=True).first()


def withdrawals_for(*, user):
    return Withdrawal.objects.filter(user=user).select_related("payout_details")


def withdrawal_get_for(*, user, pk):
    return get_object_or_404(Withdrawal, user=user, pk=pk)


def withdrawals_for_review(*, status):
    return Withdrawal.objects.filter(status=status).select_related("user", "payout_details", "decided_by", "batch")


def payout_batches():
    return PayoutBatch.objects.all()


def payout_batch_csv_rows(batch):
    """The payment order of a batch: one row per withdrawal (written through common.csv, which neutralises
    formulas in the user-typed card holder's name)."""
    yield ["withdrawal_id", "user_id", "username", "card_holder", "card_last4", "amount", "fee", "payout"]
    for w in batch.withdrawals.select_related("user", "payout_details").order_by("pk"):
        yield [
            w.pk,
            w.user_id,
            w.user.username,
            w.payout_details.holder_name,
            w.payout_details.card_last4,
            csv_amount(w.amount_cents),
            csv_amount(w.fee_cents),
            csv_amount(w.payout_cents),
        ]


def statement_csv_rows(*, user):
    """P9: the user's whole statement for the CSV download, oldest pages read in chunks (streamed)."""
    yield ["date", "part", "reason", "reference", "amount", "balance_after", "memo"]
    for entry in statement_entries(user=user).iterator(chunk_size=rules.STATEMENT_CSV_CHUNK):
        yield [
            entry.transaction.created_at.isoformat(),
            entry.account.get_kind_display(),
            entry.transaction.get_kind_display(),
            entry.transaction.reference,
            csv_amount(entry.amount_cents),
            csv_amount(entry.balance_after_cents),
            entry.transaction.memo,
        ]


def withdrawal_quote(amount_cents):
    """P4: (fee_cents, payout_cents) of a card payout of `amount_cents`."""
    fee = rules.card_fee_cents(amount_cents)
    return fee, amount_cents - fee


def payout_day(now=None):
    """P4: whether `now` (default: now) falls on a payout day."""
    return (now or timezone.now()).weekday() in rules.PAYOUT_WEEKDAYS


def topup_get_for(*, user, pk):
    return get_object_or_404(TopUp, user=user, pk=pk)


def referral_is_attached(referral, *, at=None):
    """P7: active referrals stay attached for three years after sign-up, inactive ones for 180 days."""
    at = at or timezone.now()
    days = rules.REFERRAL_ACTIVE_ATTACHED_DAYS if referral.activated_at else rules.REFERRAL_INACTIVE_ATTACHED_DAYS
    return at < referral.created_at + timedelta(days=days)


def referrals_of(*, partner):
    """P7: the partner's referrals with their earnings (two queries whatever the count)."""
    referrals = list(Referral.objects.filter(partner=partner).select_related("referred"))
    earnings = dict(
        ReferralCommission.objects.filter(referral__partner=partner)
        .values("referral_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("referral_id", "total")
    )
    now = timezone.now()
    for referral in referrals:
        referral.earned_cents = earnings.get(referral.pk, 0)
        referral.attached = referral_is_attached(referral, at=now)
    return referrals


def referral_commissions_of(*, partner):
    return ReferralCommission.objects.filter(referral__partner=partner).select_related(
        "referral__referred", "transaction"
    )


def withdrawals_waiting_count():
    return Withdrawal.objects.filter(status=Withdrawal.Status.REQUESTED).count()


def statement_page_annotate(*, user, entries):
    """Label the entries of one statement page (one query): the order link, and referral commissions (P7),
    which arrive inside another person's release and must not read as a sale of one's own."""
    commissions = dict(
        ReferralCommission.objects.filter(
            referral__partner=user, transaction_id__in=[e.transaction_id for e in entries]
        )
        .values("transaction_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("transaction_id", "total")
    )
    for entry in entries:
        commission = commissions.get(entry.transaction_id, 0)
        entry.commission_cents = commission
        entry.is_commission_only = bool(commission) and commission == entry.amount_cents
        entry.reference_url = (
            "" if entry.is_commission_only else references.reference_url(entry.transaction.reference)
        )
    return entries
