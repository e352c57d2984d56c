"""Reads of the payments app, shaped for the pages that use them (constant query counts)."""

import base64
import heapq
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from common.csv import amount as csv_amount
from common.money import format_cents

from . import references, rules
from .models import (
    EscrowHold,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
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


# --- withdrawing now (P4–P6) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """What the person can withdraw at this moment (`now_cents`), and when not everything, why (`reason`)
    and from when (`available_on`, None when it depends on them: confirming the e-mail, adding a card)."""

    now_cents: int
    reason: str = ""
    available_on: object = None
    locked: bool = False


def withdrawal_availability(user, balance, *, details, email_confirmed):
    """P4–P6 as the withdraw form applies them: nothing while the week-long lock after a sensitive change
    runs, without a confirmed e-mail or without a payout card; otherwise the balance's withdrawable part."""
    from accounts import rules as account_rules
    from accounts.models import AccountChange

    now = timezone.now()
    change = AccountChange.objects.filter(user=user).order_by("-created_at").only("kind", "created_at").first()
    until = change.created_at + timedelta(days=account_rules.SENSITIVE_CHANGE_LOCK_DAYS) if change else None
    if until is not None and until > now:
        return Availability(
            now_cents=0,
            reason=f"{change.get_kind_display()}: for your safety, withdrawals are locked for "
            f"{account_rules.SENSITIVE_CHANGE_LOCK_DAYS} days after a change of e-mail, login or payout card.",
            available_on=until,
            locked=True,
        )
    if not email_confirmed:
        return Availability(now_cents=0, reason="Confirm your e-mail address before withdrawing.")
    if details is None:
        return Availability(
            now_cents=0,
            reason="Add the card to pay out to first (Payout card). Saving it locks withdrawals for "
            f"{account_rules.SENSITIVE_CHANGE_LOCK_DAYS} days, for your safety.",
        )
    return Availability(now_cents=balance.withdrawable_cents)


# --- the statement (P9) -----------------------------------------------------------------------------------
#
# One row per ledger transaction that touched the person's main or bonus part, newest first, with the change
# and the balance after it of each part. Each part is read by the index ledger_entry_account_recent
# (account_id, id DESC), one query per part, so a page costs the same whoever else uses the ledger and however
# long the person's own history is; pages are keyset ("older than entry N"), never OFFSET or COUNT.


@dataclass
class StatementRow:
    transaction: LedgerTransaction
    main_cents: int | None = None  # the change of the main part, None when untouched
    bonus_cents: int | None = None
    main_after_cents: int = 0
    bonus_after_cents: int = 0
    label: str = ""
    url: str = ""
    note: str = ""

    @property
    def created_at(self):
        return self.transaction.created_at

    @property
    def reference(self):
        return self.transaction.reference


@dataclass(frozen=True)
class StatementPage:
    rows: list
    older: str = ""  # the cursor of the next older page, "" on the last one
    newer: str = ""  # the cursor of the next newer page, "" on the first one


_CURSOR = re.compile(r"(older|newer):([1-9][0-9]{0,17})")
_CURSOR_MAX_LENGTH = 40


def statement_cursor(direction, entry_id):
    """An opaque page cursor: rows older (or newer) than ledger entry `entry_id`."""
    return base64.urlsafe_b64encode(f"{direction}:{entry_id}".encode()).decode().rstrip("=")


def statement_cursor_parse(text):
    """(direction, entry_id), or None for anything that is not a cursor this site made."""
    if not text or len(text) > _CURSOR_MAX_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    match = _CURSOR.fullmatch(raw)
    return (match[1], int(match[2])) if match else None


def statement_accounts(user):
    """{kind: account id} of the person's main and bonus parts (the ones that exist)."""
    return dict(
        LedgerAccount.objects.filter(owner=user, kind__in=LedgerAccount.USER_KINDS).values_list("kind", "id")
    )


def _entries_of_queryset(account_id, *, below=None, above=None, limit):
    """Up to `limit` entries of one account next to a position: newest first below it (or from the newest),
    oldest first above it. An index range scan on (account_id, id)."""
    entries = LedgerEntry.objects.filter(account_id=account_id).select_related("transaction")
    if above is not None:
        return entries.filter(id__gt=above).order_by("id")[:limit]
    if below is not None:
        entries = entries.filter(id__lt=below)
    return entries.order_by("-id")[:limit]


def _entries_of(account_id, *, below=None, above=None, limit):
    return list(_entries_of_queryset(account_id, below=below, above=above, limit=limit))


def _window(accounts, *, size, below=None, above=None):
    """The `size` transactions next to a position, as lists of entries (newest first when going down, oldest
    first when going up), whether more lie beyond, and what was read of each account."""
    limit = 2 * size + 1  # a transaction has at most one entry per part, so this always holds `size` of them
    streams = {
        account_id: _entries_of(account_id, below=below, above=above, limit=limit) for account_id in accounts
    }
    merged = sorted((e for stream in streams.values() for e in stream), key=lambda e: e.id, reverse=above is None)
    complete = len(merged) <= limit and all(len(stream) < limit for stream in streams.values())
    groups = []
    for entry in merged[:limit]:
        if groups and groups[-1][0].transaction_id == entry.transaction_id:
            groups[-1].append(entry)
        else:
            groups.append([entry])
    if not complete and groups:
        groups.pop()  # its other part may not have been read
    more = not complete or len(groups) > size
    return groups[:size], more, streams, limit


def _balance_before(account_id, entry_id, stream, limit):
    """The account's balance just before entry `entry_id`: from what was read, else one index probe."""
    earlier = [e for e in stream if e.id < entry_id]
    if earlier:
        return max(earlier, key=lambda e: e.id).balance_after_cents
    if len(stream) < limit:
        return 0  # the stream was read to the account's first entry
    previous = (
        LedgerEntry.objects.filter(account_id=account_id, id__lt=entry_id)
        .order_by("-id")
        .values_list("balance_after_cents", flat=True)
        .first()
    )
    return previous or 0


def _rows_of(groups, accounts, streams, limit):
    """StatementRows (newest first) of transactions read newest first, with both parts' balances after each."""
    main_id = accounts.get(LedgerAccount.Kind.USER_MAIN)
    bonus_id = accounts.get(LedgerAccount.Kind.USER_BONUS)
    if not groups:
        return []
    oldest = min(e.id for e in groups[-1])
    after = {
        account_id: _balance_before(account_id, oldest, streams[account_id], limit)
        for account_id in (main_id, bonus_id)
        if account_id is not None
    }
    rows = []
    for group in reversed(groups):
        row = StatementRow(transaction=group[0].transaction)
        for entry in group:
            after[entry.account_id] = entry.balance_after_cents
            if entry.account_id == main_id:
                row.main_cents = entry.amount_cents
            else:
                row.bonus_cents = entry.amount_cents
        row.main_after_cents = after.get(main_id, 0)
        row.bonus_after_cents = after.get(bonus_id, 0)
        rows.append(row)
    rows.reverse()
    return rows


def _older_page(user, accounts, *, size, below=None):
    groups, more, streams, limit = _window(accounts.values(), size=size, below=below)
    rows = _rows_of(groups, accounts, streams, limit)
    statement_describe(user=user, rows=rows)
    older = statement_cursor("older", min(e.id for e in groups[-1])) if more and groups else ""
    newer = statement_cursor("newer", max(e.id for e in groups[0])) if below is not None and groups else ""
    return StatementPage(rows=rows, older=older, newer=newer)


def statement_page(*, user, cursor=None, size=None, accounts=None):
    """P9: one page of the person's statement. `cursor` comes from a previous page's `older`/`newer`; a
    malformed one gives the first page. A cursor only names a position: the rows are always the person's.
    `accounts`: statement_accounts(user), when the caller has it already."""
    size = size or rules.STATEMENT_PAGE_SIZE
    accounts = statement_accounts(user) if accounts is None else accounts
    if not accounts:
        return StatementPage(rows=[])
    position = statement_cursor_parse(cursor)
    if position is None:
        return _older_page(user, accounts, size=size)
    direction, entry_id = position
    if direction == "older":
        page = _older_page(user, accounts, size=size, below=entry_id)
        return page if page.rows else _older_page(user, accounts, size=size)  # past the oldest: start again
    groups, more, _, _ = _window(accounts.values(), size=size, above=entry_id)
    if not groups or not more:
        return _older_page(user, accounts, size=size)  # nothing newer beyond: that is the first page
    top = max(e.id for e in groups[-1])
    return _older_page(user, accounts, size=size, below=top + 1)


# The words of each row. Payments' own references (top-ups, withdrawals, promo codes) are read here; other
# apps' (orders) through the reference registry. One query per kind of thing on the page, whatever its length.


def _order_words(target):
    if target is None:
        return "an order"
    words = f"order #{target.key}" if target.prefix == "order" else f"{target.prefix} #{target.key}"
    return f"{words} “{target.title}”" if target.title else words


def statement_describe(*, user, rows):
    """Fill each row's `label`, `url` and `note` for `user` (the statement's owner)."""
    Kind = LedgerTransaction.Kind
    keys = defaultdict(set)
    for row in rows:
        parsed = references.parse(row.reference)
        if parsed:
            keys[parsed[0]].add(parsed[1])
    shared = [
        row.transaction.pk for row in rows if row.transaction.kind in (Kind.ESCROW_RELEASE, Kind.ESCROW_SPLIT)
    ]
    commissions = {}
    if shared:
        commissions = dict(
            ReferralCommission.objects.filter(referral__partner=user, transaction_id__in=shared)
            .values("transaction_id")
            .annotate(total=Sum("amount_cents"))
            .values_list("transaction_id", "total")
        )
    topups = {}
    if keys.get("topup"):
        topups = {
            pk: (is_test, last4)
            for pk, is_test, last4 in TopUp.objects.filter(user=user, pk__in=keys["topup"]).values_list(
                "pk", "is_test", "card_last4"
            )
        }
    withdrawals = {}
    if keys.get("withdrawal"):
        withdrawals = dict(
            Withdrawal.objects.filter(user=user, pk__in=keys["withdrawal"]).values_list(
                "pk", "payout_details__card_last4"
            )
        )
    split_refs = {row.reference for row in rows if row.transaction.kind == Kind.ESCROW_SPLIT}
    bought = set()
    if split_refs:
        bought = set(
            EscrowHold.objects.filter(buyer=user, reference__in=split_refs).values_list("reference", flat=True)
        )
    targets = references.resolve([row.reference for row in rows], viewer=user)
    withdraw_url = reverse("payments:withdraw")
    for row in rows:
        tx = row.transaction
        parsed = references.parse(tx.reference)
        key = parsed[1] if parsed else None
        target = targets.get(tx.reference)
        order = _order_words(target)
        row.url = target.url if target else ""
        commission = commissions.get(tx.pk, 0)
        if tx.kind == Kind.TOPUP:
            is_test, last4 = topups.get(key, (False, ""))
            row.label = "Top-up (test mode, not real money)" if is_test else "Top-up by card"
            if last4 and not is_test:
                row.label += f" •••• {last4}"
        elif tx.kind == Kind.ESCROW_HOLD:
            row.label = f"Payment for {order}"
        elif tx.kind == Kind.ESCROW_REFUND:
            row.label = f"Refund for {order}"
        elif tx.kind in (Kind.ESCROW_RELEASE, Kind.ESCROW_SPLIT) and commission and commission == row.main_cents:
            row.label, row.url = "Referral commission", ""  # someone else's order: no name, no link
        elif tx.kind == Kind.ESCROW_RELEASE:
            row.label = f"Earnings from {order}"
        elif tx.kind == Kind.ESCROW_SPLIT:
            row.label = f"{'Partial refund for' if tx.reference in bought else 'Earnings from'} {order}"
            row.note = "Split by an arbitration decision."
        elif tx.kind == Kind.WITHDRAWAL_REQUEST:
            last4 = withdrawals.get(key)
            row.label = f"Withdrawal to card •••• {last4}" if last4 else "Withdrawal"
            row.url = f"{withdraw_url}#withdrawal-{key}" if key in withdrawals else ""
        elif tx.kind == Kind.WITHDRAWAL_REJECT:
            row.label = "Withdrawal not approved: money returned"
            row.url = f"{withdraw_url}#withdrawal-{key}" if key in withdrawals else ""
            row.note = f"Reason: {tx.memo}" if tx.memo else ""
        elif tx.kind == Kind.PROMO_REDEEM:
            code = tx.reference.partition(":")[2]
            row.label = f"Promo bonus, code {code}" if code else "Promo bonus"
        else:
            row.label = tx.get_kind_display()
        if commission and commission != row.main_cents:
            row.note = f"Includes your referral commission of {format_cents(commission)}."
    return rows


def statement_size_at_most(user, limit, *, accounts=None):
    """Whether the person's statement has at most `limit` entries (reads at most limit + 1 index rows)."""
    accounts = statement_accounts(user) if accounts is None else accounts
    if not accounts:
        return True
    found = LedgerEntry.objects.filter(account_id__in=list(accounts.values())).order_by()[: limit + 1].count()
    return found <= limit


def statement_csv_rows(*, user, upto=None):
    """P9: the person's whole statement for the CSV file, newest first, one line per part touched: read in
    chunks by the same index as the page (keyset, constant queries per chunk). `upto`: the newest entry to
    include, so a file built while money moves is a consistent picture as of its start."""
    yield ["date", "part", "reason", "reference", "amount", "balance_after", "memo", "description"]
    accounts = statement_accounts(user)
    kinds = {account_id: kind for kind, account_id in accounts.items()}
    chunk = rules.STATEMENT_CSV_CHUNK
    streams = [_account_chunks(account_id, upto, chunk) for account_id in accounts.values()]
    merged = heapq.merge(*streams, key=lambda e: -e.id)
    while batch := list(islice(merged, chunk)):
        rows = []
        for entry in batch:
            is_main = kinds[entry.account_id] == LedgerAccount.Kind.USER_MAIN
            rows.append(
                StatementRow(
                    transaction=entry.transaction,
                    main_cents=entry.amount_cents if is_main else None,
                    bonus_cents=None if is_main else entry.amount_cents,
                )
            )
        statement_describe(user=user, rows=rows)
        for entry, row in zip(batch, rows, strict=True):
            yield [
                entry.transaction.created_at.isoformat(),
                LedgerAccount.Kind(kinds[entry.account_id]).label,
                entry.transaction.get_kind_display(),
                entry.transaction.reference,
                csv_amount(entry.amount_cents),
                csv_amount(entry.balance_after_cents),
                entry.transaction.memo,
                row.label,
            ]


def _account_chunks(account_id, upto, chunk):
    """Every entry of one account, newest first, read `chunk` at a time by keyset."""
    below = upto + 1 if upto is not None else None
    while True:
        entries = _entries_of(account_id, below=below, limit=chunk)
        yield from entries
        if len(entries) < chunk:
            return
        below = entries[-1].id


def statement_latest_entry_id(user):
    """The newest entry of the person's statement (the point a CSV file is built up to), or None."""
    accounts = statement_accounts(user)
    ids = [
        LedgerEntry.objects.filter(account_id=account_id).order_by("-id").values_list("id", flat=True).first()
        for account_id in accounts.values()
    ]
    ids = [i for i in ids if i is not None]
    return max(ids) if ids else None
