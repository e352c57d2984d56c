"""Money out (P4, P5, P6, A5, A6): payout details, withdrawal requests, support's decisions and the payout
batches paid on the payout days."""

import uuid

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import AccountChange
from accounts.rules import NotificationKind
from common import dates
from common.errors import DomainError
from common.money import format_cents

from .. import payouts, rules, selectors
from ..models import PayoutBatch, PayoutDetails, Withdrawal
from .ledger import (
    NOT_ENOUGH_MONEY,
    Kind,
    TxKind,
    _check_amount,
    _lock,
    _post,
    _post_many,
    _transaction_rereference,
    credited_system_account,
    system_key,
    user_key,
)


def _ensure_not_locked(user, what):
    until = account_selectors.withdrawal_locked_until(user)
    if until is not None:
        raise DomainError(
            f"{what} are locked until {dates.format_datetime(until, user, show_zone=True)} after a change to your account "
            "(e-mail, login or payout details). This protects your money if someone else got in."
        )


@transaction.atomic
def payout_details_save(*, user, holder_name, card_last4="", card_fingerprint=""):
    """P5/P6: the card withdrawals are paid to. When the user added funds by card, it must be one of those
    cards (chosen by fingerprint); otherwise the last four digits they type. Starts the one-week lock."""
    _ensure_not_locked(user, "Changes to payout details")
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise DomainError("Write the card holder's name.", field="holder_name")
    cards = selectors.topup_cards(user)
    if cards:
        if card_fingerprint not in cards:
            raise DomainError(
                "Money added by card can only be withdrawn to that card: choose one of your cards.",
                field="card_fingerprint",
            )
        card_last4 = cards[card_fingerprint]
    else:
        card_fingerprint = ""
        if not (len(card_last4 or "") == 4 and card_last4.isdigit()):
            raise DomainError("Type the last four digits of the card.", field="card_last4")
    old = PayoutDetails.objects.select_for_update().filter(user=user, is_current=True).first()
    if old is not None:
        old.is_current = False
        old.save(update_fields=["is_current"])
    details = PayoutDetails.objects.create(
        user=user, holder_name=holder_name, card_last4=card_last4, card_fingerprint=card_fingerprint
    )
    account_services.account_change_record(
        user=user, kind=AccountChange.Kind.PAYOUT_DETAILS, old_value=str(old or ""), new_value=str(details)
    )
    return details


@transaction.atomic
def withdrawal_request(*, user, amount_cents):
    """P4–P6: request a card payout from the main part. The money moves at once to the payouts account (held
    until support pays or rejects the request)."""
    _check_amount(amount_cents)
    account_services.ensure_email_confirmed(user=user, action="withdraw money")
    _ensure_not_locked(user, "Withdrawals")
    details = selectors.payout_details_current(user)
    if details is None:
        raise DomainError("Add the card to pay out to first (Payout card, below).")
    minimum = rules.withdrawal_min_cents()
    if amount_cents < minimum:
        raise DomainError(f"The minimum withdrawal is {format_cents(minimum)}.", field="amount")
    cards = selectors.topup_cards(user)
    if cards and details.card_fingerprint not in cards:
        raise DomainError("Money added by card can only be withdrawn to that card. Update your payout card.")
    # The payouts shard by person: any shard would do, the money leaves later from the row it entered.
    shard_reference = f"user:{user.pk}"
    acc = _lock([user_key(user, Kind.USER_MAIN), system_key(Kind.PAYOUTS, shard_reference)])
    main, payouts_account = acc.of(user, Kind.USER_MAIN), acc.system(Kind.PAYOUTS, shard_reference)
    main_cents = main.balance_cents
    recent_card = selectors.recent_card_money_cents(user)
    withdrawable = selectors.withdrawable_from(main_cents, recent_card)
    if amount_cents > withdrawable:
        if amount_cents <= main_cents:
            available_on = selectors.card_money_available_on(user)
            raise DomainError(
                f"{format_cents(recent_card)} of your balance was added by card less than a month ago and can be withdrawn "
                f"from {dates.format_date(available_on, user)}. You can withdraw {format_cents(withdrawable)} now.",
                field="amount",
            )
        raise DomainError(
            f"{NOT_ENOUGH_MONEY} You can withdraw at most {format_cents(withdrawable)} (the bonus part cannot be withdrawn).",
            field="amount",
        )
    fee, payout = selectors.withdrawal_quote(amount_cents)
    tx, _ = _post(
        kind=TxKind.WITHDRAWAL_REQUEST,
        reference="withdrawal",
        idempotency_key=f"withdrawal:{user.pk}:{uuid.uuid4().hex}",
        legs=[(main, -amount_cents), (payouts_account, amount_cents)],
        memo=f"To card •••• {details.card_last4}",
        locked=acc,
    )
    withdrawal = Withdrawal.objects.create(
        user=user,
        amount_cents=amount_cents,
        fee_cents=fee,
        payout_cents=payout,
        payout_details=details,
        request_transaction=tx,
    )
    _transaction_rereference(tx, f"withdrawal:{withdrawal.pk}")
    return withdrawal


def _locked_withdrawal(withdrawal):
    """The withdrawal, locked, with `payouts_account_id`: the payouts shard its request credited."""
    return (
        Withdrawal.objects.select_for_update(of=("self",))
        .select_related("user")
        .annotate(payouts_account_id=credited_system_account("request_transaction_id"))
        .get(pk=withdrawal.pk)
    )


@transaction.atomic
def withdrawal_approve(*, withdrawal, staff_user):
    """P4: support approves; the request joins the next payout batch."""
    withdrawal = _locked_withdrawal(withdrawal)
    if withdrawal.status != Withdrawal.Status.REQUESTED:
        raise DomainError(f"This request is already {withdrawal.get_status_display().lower()}.")
    withdrawal.status = Withdrawal.Status.APPROVED
    withdrawal.decided_at = timezone.now()
    withdrawal.decided_by = staff_user
    withdrawal.save(update_fields=["status", "decided_at", "decided_by"])
    account_services.notification_send(
        user=withdrawal.user,
        kind=NotificationKind.PAYMENTS,
        title=f"Your withdrawal of {format_cents(withdrawal.amount_cents)} is approved",
        body=f"It will be paid with the next batch ({rules.PAYOUT_DAYS_TEXT}).",
        url=reverse("payments:withdraw"),
    )
    return withdrawal


@transaction.atomic
def withdrawal_reject(*, withdrawal, staff_user, reason):
    """P4: support rejects (with a reason the user sees); the money returns to the main part."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Write the reason for the user.")
    withdrawal = _locked_withdrawal(withdrawal)
    if withdrawal.status not in (Withdrawal.Status.REQUESTED, Withdrawal.Status.APPROVED):
        raise DomainError(f"This request is already {withdrawal.get_status_display().lower()}.")
    acc = _lock([user_key(withdrawal.user_id, Kind.USER_MAIN)], pks=[withdrawal.payouts_account_id])
    tx, _ = _post(
        kind=TxKind.WITHDRAWAL_REJECT,
        reference=f"withdrawal:{withdrawal.pk}",
        idempotency_key=f"withdrawal:{withdrawal.pk}:resolve",
        legs=[
            (acc.account(withdrawal.payouts_account_id), -withdrawal.amount_cents),
            (acc.of(withdrawal.user_id, Kind.USER_MAIN), withdrawal.amount_cents),
        ],
        memo=reason[:200],
        locked=acc,
    )
    withdrawal.status = Withdrawal.Status.REJECTED
    withdrawal.decided_at = timezone.now()
    withdrawal.decided_by = staff_user
    withdrawal.reject_reason = reason[:300]
    withdrawal.resolution_transaction = tx
    withdrawal.save(
        update_fields=["status", "decided_at", "decided_by", "reject_reason", "resolution_transaction"]
    )
    account_services.notification_send(
        user=withdrawal.user,
        kind=NotificationKind.PAYMENTS,
        title=f"Your withdrawal of {format_cents(withdrawal.amount_cents)} was rejected; the money is back on your balance",
        body=reason,
        url=reverse("payments:withdraw"),
    )
    return withdrawal


@transaction.atomic
def payout_batch_run(*, now=None, force=False):
    """P4: pay every approved withdrawal in one batch (on the payout days, rules.PAYOUT_WEEKDAYS, unless forced).
    Rows are taken with skip_locked, so two runs at once never pay one request twice. Returns the batch or
    None when there is nothing to pay (or it is not a payout day)."""
    if not force and not selectors.payout_day(now):
        return None
    due = list(
        Withdrawal.objects.select_for_update(skip_locked=True)
        .annotate(payouts_account_id=credited_system_account("request_transaction_id"))
        .filter(status=Withdrawal.Status.APPROVED, batch__isnull=True)
        .order_by("pk")
    )
    if not due:
        return None
    provider = payouts.get_provider()
    batch = PayoutBatch.objects.create(provider=provider.name)
    references = {w.pk: f"withdrawal:{w.pk}" for w in due}
    acc = _lock(
        [system_key(kind, ref) for ref in references.values() for kind in (Kind.STRIPE_CLEARING, Kind.PLATFORM)],
        pks=[w.payouts_account_id for w in due],
    )
    postings = []
    for withdrawal in due:
        ref = references[withdrawal.pk]
        legs = [
            (acc.account(withdrawal.payouts_account_id), -withdrawal.amount_cents),
            (acc.system(Kind.STRIPE_CLEARING, ref), withdrawal.payout_cents),
        ]
        if withdrawal.fee_cents:
            legs.append((acc.system(Kind.PLATFORM, ref), withdrawal.fee_cents))
        postings.append(
            {
                "kind": TxKind.WITHDRAWAL_PAYOUT,
                "reference": ref,
                "idempotency_key": f"{ref}:resolve",
                "legs": legs,
                "memo": f"Batch #{batch.pk}",
            }
        )
    paid_at = timezone.now()
    for withdrawal, (tx, _) in zip(due, _post_many(postings, locked=acc), strict=True):
        withdrawal.status = Withdrawal.Status.PAID
        withdrawal.batch = batch
        withdrawal.paid_at = paid_at
        withdrawal.resolution_transaction = tx
        withdrawal.save(update_fields=["status", "batch", "paid_at", "resolution_transaction"])
    provider.send(batch=batch, withdrawals=due)
    batch.count = len(due)
    batch.total_cents = sum(w.payout_cents for w in due)
    batch.save(update_fields=["count", "total_cents"])
    for withdrawal in due:
        account_services.notification_send(
            user=withdrawal.user,
            kind=NotificationKind.PAYMENTS,
            title=f"{format_cents(withdrawal.payout_cents)} sent to your card •••• {withdrawal.payout_details.card_last4}",
            url=reverse("payments:withdraw"),
        )
    return batch
