"""Every write of the payments app. Nothing else writes the ledger (DESIGN: Money).

All money moves through `_post`, the one posting primitive: it locks the accounts involved in primary-key
order, refuses to take a user account below zero, writes the entries, updates the cached balances, and
returns the existing transaction when its idempotency key was used before.

Locks are always taken in the same order: first the domain row (hold, withdrawal, top-up), then the ledger
accounts in primary-key order, so two transactions never wait on each other in a cycle.

Public API for other apps (keyword-only):
    escrow_hold(*, buyer, amount_cents, reference, idempotency_key) -> EscrowHold
    escrow_release(*, hold, seller) -> LedgerTransaction
    escrow_refund(*, hold) -> LedgerTransaction
    escrow_split(*, hold, seller, refund_cents) -> LedgerTransaction
    escrow_refund_many(*, holds) -> list[LedgerTransaction]            (batch, for timer sweeps)
    escrow_release_many(*, releases=[(hold, seller), ...]) -> list[LedgerTransaction]
    referral_mark_active(*, user) -> Referral | None
    topup_url(*, amount_cents, next_url) -> str
and payments.selectors.balance_of(user) -> Balance.
"""

import json
import logging
import uuid
from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import AccountChange
from common.db import update_from_values
from common.errors import DomainError
from common.money import format_cents

from . import payouts, rules, selectors, stripe_client
from .models import (
    EscrowHold,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PayoutBatch,
    PayoutDetails,
    PromoCode,
    PromoRedemption,
    Referral,
    ReferralCommission,
    StripeEvent,
    TopUp,
    Withdrawal,
)

logger = logging.getLogger(__name__)
Kind = LedgerAccount.Kind
TxKind = LedgerTransaction.Kind

NOT_ENOUGH_MONEY = "Not enough money on your balance."


class InsufficientFunds(DomainError):
    """The buyer's balance (bonus + main) is short by `missing_cents` (O1: send them to add exactly that)."""

    def __init__(self, missing_cents):
        self.missing_cents = missing_cents
        super().__init__(
            f"Not enough money on your balance: {format_cents(missing_cents)} is missing. "
            "Add funds to pay for this order."
        )


class WebhookRejected(Exception):
    """A webhook whose signature, timestamp or body is not acceptable: the view answers 400."""


def money(cents):
    return format_cents(cents)


def _check_amount(amount_cents, what="The amount"):
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise DomainError(f"{what} must be a whole number of cents.")
    if amount_cents <= 0:
        raise DomainError(f"{what} must be more than zero.")


# --- accounts and the posting primitive (P9) -------------------------------------------------------------


def system_account(kind):
    account, _ = LedgerAccount.objects.get_or_create(owner=None, kind=kind)
    return account


def user_account(user, kind):
    account, _ = LedgerAccount.objects.get_or_create(owner=user, kind=kind)
    return account


class Accounts(dict):
    """{(owner id or None, kind): LedgerAccount} for a few people and every system account."""

    def of(self, user, kind):
        """`user` is a User or its id."""
        return self[(getattr(user, "pk", user), kind)]

    def system(self, kind):
        return self[(None, kind)]


SYSTEM_KINDS = [k for k in Kind.values if k not in LedgerAccount.USER_KINDS]


def _ensure_accounts(*users):
    """(`users`: User objects or ids.) Every account a posting may touch, in one query, creating missing ones. Called BEFORE any row lock is
    taken: an INSERT that waits on another transaction's uncommitted twin while holding account locks is how
    deadlocks start (the PostgreSQL concurrency tests found exactly that)."""
    ids = {getattr(u, "pk", u) for u in users if u is not None}

    def fetch():
        rows = LedgerAccount.objects.filter(Q(owner__isnull=True) | Q(owner_id__in=ids))
        return Accounts({(a.owner_id, a.kind): a for a in rows})

    found = fetch()
    wanted = [(None, k) for k in SYSTEM_KINDS] + [(pk, k) for pk in ids for k in LedgerAccount.USER_KINDS]
    missing = [key for key in wanted if key not in found]
    if missing:
        for owner_id, kind in missing:
            LedgerAccount.objects.get_or_create(owner_id=owner_id, kind=kind)
        found = fetch()
    return found


def _lock_accounts(accounts):
    """Lock the accounts' rows in primary-key order; return {pk: fresh row}."""
    ids = sorted({a.pk for a in accounts})
    return {a.pk: a for a in LedgerAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _post(*, kind, reference, idempotency_key, legs, memo="", locked=None):
    """The one posting primitive, for one transaction. `legs` = [(account, signed cents), ...] summing to zero.

    Returns (transaction, created). A repeated idempotency key returns the existing transaction and changes
    nothing. Raises DomainError("Not enough money on your balance.") when a leg would take an account that
    may not go negative below zero. Must run inside transaction.atomic (the caller's unit of work)."""
    posting = {
        "kind": kind,
        "reference": reference,
        "idempotency_key": idempotency_key,
        "legs": legs,
        "memo": memo,
    }
    return _post_many([posting], locked=locked)[0]


def _post_many(postings, *, locked=None):
    """The posting primitive itself, for one transaction or a batch (sweeps resolving hundreds of holds):
    one lock of every account involved, in primary-key order, one idempotency look-up, one INSERT of the
    transactions, one of the entries and one UPDATE of the balances. Each posting is a dict with kind,
    reference, idempotency_key, legs and memo; returns [(transaction, created), ...] in the same order. All or
    nothing: any refused posting raises and the caller's transaction rolls back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("_post must run inside transaction.atomic")
    prepared = []
    accounts = {}
    for posting in postings:
        totals = defaultdict(int)
        for account, cents in posting["legs"]:
            if isinstance(cents, bool) or not isinstance(cents, int):
                raise TypeError("ledger amounts are integer cents")
            totals[account.pk] += cents
            accounts[account.pk] = account
        if sum(totals.values()) != 0:
            raise ValueError(f"unbalanced ledger transaction {posting['kind']}: {dict(totals)}")
        totals = {pk: cents for pk, cents in sorted(totals.items()) if cents}
        if not totals:
            raise ValueError("a ledger transaction needs at least one non-zero leg")
        prepared.append((posting, totals))
    keys = [posting["idempotency_key"] for posting in postings]
    if len(set(keys)) != len(keys):
        raise ValueError("one idempotency key twice in a batch")
    needed = {pk for _, totals in prepared for pk in totals}
    if locked is None or not needed <= set(locked):
        locked = _lock_accounts(accounts[pk] for pk in needed)
    # Checked under the locks: a concurrent twin with the same key has committed by now (or never will).
    existing = {t.idempotency_key: t for t in LedgerTransaction.objects.filter(idempotency_key__in=keys)}
    balances = {pk: locked[pk].balance_cents for pk in needed}
    new = []
    for posting, totals in prepared:
        if posting["idempotency_key"] in existing:
            continue
        entries = []
        for pk, cents in totals.items():
            balances[pk] += cents
            if balances[pk] < 0 and not locked[pk].may_go_negative:
                raise DomainError(NOT_ENOUGH_MONEY)
            entries.append((pk, cents, balances[pk]))
        new.append((posting, entries))
    created = {}
    if new:
        txs = LedgerTransaction.objects.bulk_create(
            LedgerTransaction(
                kind=posting["kind"],
                reference=posting["reference"],
                idempotency_key=posting["idempotency_key"],
                memo=posting.get("memo", "")[:200],
            )
            for posting, _ in new
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(transaction=tx, account_id=pk, amount_cents=cents, balance_after_cents=after)
            for tx, (_, entries) in zip(txs, new, strict=True)
            for pk, cents, after in entries
        )
        changed = {pk: b for pk, b in balances.items() if b != locked[pk].balance_cents}
        if len(changed) == 1:
            ((pk, balance),) = changed.items()
            LedgerAccount.objects.filter(pk=pk).update(balance_cents=balance)
        elif changed:  # one UPDATE for every account
            update_from_values(LedgerAccount, ["balance_cents"], list(changed.items()))
        for pk, balance in changed.items():
            locked[pk].balance_cents = balance
        created = {tx.idempotency_key: tx for tx in txs}
    return [
        (existing[key], False) if key in existing else (created[key], True)
        for key in (posting["idempotency_key"] for posting in postings)
    ]


# --- escrow (P2, P3, P7, P8) ------------------------------------------------------------------------------


@transaction.atomic
def escrow_hold(*, buyer, amount_cents, reference, idempotency_key):
    """P2/P8: hold `amount_cents` of the buyer's money in escrow for `reference` (e.g. "order:123").

    Spends the bonus part first, then the main part, and records both on the hold (main_cents, bonus_cents).
    Raises InsufficientFunds (a DomainError with `missing_cents`) when bonus + main is short, DomainError for
    an amount <= 0. Idempotent: the same idempotency_key returns the same hold; another key for a reference
    that is already held raises DomainError."""
    _check_amount(amount_cents)
    if not reference or not idempotency_key:
        raise DomainError("An escrow hold needs a reference and an idempotency key.")

    def existing_hold():
        hold = EscrowHold.objects.filter(reference=reference).select_related("hold_transaction").first()
        if hold is None:
            return None
        if hold.hold_transaction.idempotency_key == f"hold:{idempotency_key}" and hold.buyer_id == buyer.pk:
            return hold
        raise DomainError("This order has already been paid.")

    acc = _ensure_accounts(buyer)
    main, bonus, escrow = acc.of(buyer, Kind.USER_MAIN), acc.of(buyer, Kind.USER_BONUS), acc.system(Kind.ESCROW)
    locked = _lock_accounts([main, bonus, escrow])
    if (hold := existing_hold()) is not None:
        return hold
    main, bonus = locked[main.pk], locked[bonus.pk]
    available = main.balance_cents + bonus.balance_cents
    if available < amount_cents:
        raise InsufficientFunds(amount_cents - available)
    bonus_part = min(bonus.balance_cents, amount_cents)
    main_part = amount_cents - bonus_part
    tx, _ = _post(
        kind=TxKind.ESCROW_HOLD,
        reference=reference,
        idempotency_key=f"hold:{idempotency_key}",
        legs=[(bonus, -bonus_part), (main, -main_part), (escrow, amount_cents)],
        locked=locked,
    )
    try:
        with transaction.atomic():
            return EscrowHold.objects.create(
                buyer=buyer,
                amount_cents=amount_cents,
                main_cents=main_part,
                bonus_cents=bonus_part,
                reference=reference,
                hold_transaction=tx,
            )
    except IntegrityError as exc:  # another buyer's hold took this reference at the same moment
        raise DomainError("This order has already been paid.") from exc


def _attached_referral(user_id, at, referrals):
    referral = next((r for r in referrals if r.referred_id == user_id), None)
    if referral and referral.partner.is_active and selectors.referral_is_attached(referral, at=at):
        return referral
    return None


def _sale_legs(*, hold, seller, sold_cents, sold_main_cents, acc, now, referrals):
    """P3 + P7: `sold_cents` of the hold goes to the seller (80 %) and the platform (the rest); referral
    partners of the buyer (3.5 %) and of the seller (2.5 %) are paid from the platform's share, counted on the
    money that came from the buyer's main part. Returns (legs, commissions to record)."""
    if sold_cents == 0:
        return [], []
    seller_cents = rules.seller_share_cents(sold_cents)
    platform = acc.system(Kind.PLATFORM)
    platform_cents = sold_cents - seller_cents
    legs = [(acc.system(Kind.ESCROW), -sold_cents), (acc.of(seller, Kind.USER_MAIN), seller_cents)]
    commissions = []
    for person, kind, basis_points in (
        (hold.buyer_id, ReferralCommission.Kind.PURCHASE, rules.REFERRAL_PURCHASE_BASIS_POINTS),
        (seller.pk, ReferralCommission.Kind.SALE, rules.REFERRAL_SALE_BASIS_POINTS),
    ):
        referral = _attached_referral(person, now, referrals)
        if referral is None:
            continue
        cents = rules.basis_points_of(sold_main_cents, basis_points)
        if cents <= 0:
            continue
        cents = min(cents, platform_cents)
        platform_cents -= cents
        legs.append((acc.of(referral.partner, Kind.USER_MAIN), cents))
        commissions.append((referral, kind, sold_main_cents, cents))
    legs.append((platform, platform_cents))
    return legs, commissions


RESOLUTION_KIND = {
    EscrowHold.Status.RELEASED: TxKind.ESCROW_RELEASE,
    EscrowHold.Status.REFUNDED: TxKind.ESCROW_REFUND,
    EscrowHold.Status.SPLIT: TxKind.ESCROW_SPLIT,
}


def _resolve(*, hold, status, seller=None, refund_cents=0):
    return _resolve_many([(hold, status, seller, refund_cents)])[0]


def _write_resolutions(holds):
    """Write a batch of resolved holds in one statement: every column at once, so the escrow_resolved_once
    check holds throughout."""
    fields = ["status", "seller", "refund_cents", "resolved_at", "resolution_transaction"]
    rows = [
        (h.pk, h.status, h.seller_id, h.refund_cents, h.resolved_at, h.resolution_transaction_id) for h in holds
    ]
    written = update_from_values(EscrowHold, fields, rows)
    if written != len(holds):
        raise RuntimeError(f"escrow batch: {written} of {len(holds)} holds written")


def _resolve_many(items):
    """Resolve holds exactly once: `items` = [(hold, status, seller or None, refund_cents), ...]; returns the
    resolution transactions in the same order. A retry of the same operation (same status, seller and refund)
    returns the same transaction; any other operation on a resolved hold raises DomainError (and nothing of the
    batch is written). Locks: the holds in primary-key order, then the accounts in primary-key order."""
    now = timezone.now()
    sellers = {seller.pk: seller for _, _, seller, _ in items if seller is not None}
    buyer_ids = {hold.buyer_id for hold, _, _, _ in items}
    referrals = list(Referral.objects.filter(referred_id__in=buyer_ids | set(sellers)).select_related("partner"))
    acc = _ensure_accounts(*buyer_ids, *sellers, *[r.partner_id for r in referrals])
    holds = {
        h.pk: h
        for h in EscrowHold.objects.select_for_update(of=("self",))
        .filter(pk__in=[hold.pk for hold, _, _, _ in items])
        .order_by("pk")
    }
    done = {}
    postings = []
    todo = []
    for item_hold, status, seller, refund_cents in items:
        hold = holds[item_hold.pk]
        if status == EscrowHold.Status.REFUNDED:
            refund_cents = hold.amount_cents
        if hold.status != EscrowHold.Status.HELD or hold.pk in done:
            same = hold.status == status and hold.seller_id == (seller.pk if seller else None)
            if same and hold.refund_cents == refund_cents:
                done.setdefault(hold.pk, hold.resolution_transaction_id)
                continue
            raise DomainError(f"This payment has already been {hold.get_status_display().lower()}.")
        if seller is not None and seller.pk == hold.buyer_id:
            raise DomainError("The buyer cannot be paid as the seller of their own order.")
        if not 0 <= refund_cents <= hold.amount_cents:
            raise DomainError(f"The refund must be between $0.00 and {money(hold.amount_cents)}.")
        escrow = acc.system(Kind.ESCROW)
        # Refunds give the bonus part back first (it was spent first), then the main part: promo money never
        # turns into withdrawable money.
        bonus_back = min(refund_cents, hold.bonus_cents)
        main_back = refund_cents - bonus_back
        legs = []
        if bonus_back:
            legs += [(escrow, -bonus_back), (acc.of(hold.buyer_id, Kind.USER_BONUS), bonus_back)]
        if main_back:
            legs += [(escrow, -main_back), (acc.of(hold.buyer_id, Kind.USER_MAIN), main_back)]
        sale_legs, commissions = _sale_legs(
            hold=hold,
            seller=seller,
            sold_cents=hold.amount_cents - refund_cents,
            sold_main_cents=hold.main_cents - main_back,
            acc=acc,
            now=now,
            referrals=referrals,
        )
        memo = ""
        if status == EscrowHold.Status.SPLIT:
            memo = f"{money(refund_cents)} refunded, {money(hold.amount_cents - refund_cents)} to the seller"
        postings.append(
            {
                "kind": RESOLUTION_KIND[status],
                "reference": hold.reference,
                "idempotency_key": f"escrow:{hold.pk}:resolve",
                "legs": legs + sale_legs,
                "memo": memo,
            }
        )
        hold.status, hold.seller, hold.refund_cents, hold.resolved_at = status, seller, refund_cents, now
        done[hold.pk] = None
        todo.append((hold, commissions))
    posted = _post_many(postings) if postings else []
    for (hold, _commissions), (tx, _) in zip(todo, posted, strict=True):
        hold.resolution_transaction = tx
        done[hold.pk] = tx
    ReferralCommission.objects.bulk_create(
        ReferralCommission(
            referral=r, kind=k, base_cents=base, amount_cents=cents, transaction=hold.resolution_transaction
        )
        for hold, commissions in todo
        for r, k, base, cents in commissions
    )
    if todo:
        _write_resolutions([hold for hold, _ in todo])
    earlier = {
        t.pk: t for t in LedgerTransaction.objects.filter(pk__in=[v for v in done.values() if isinstance(v, int)])
    }
    return [
        done[item[0].pk] if isinstance(done[item[0].pk], LedgerTransaction) else earlier[done[item[0].pk]]
        for item in items
    ]


@transaction.atomic
def escrow_release(*, hold, seller):
    """P2/P3/P7: pay the held money to `seller` (80 % to their main part) and the platform (20 %, less
    referral commissions). At most once per hold: a retry returns the same transaction; releasing a hold that
    was refunded or split raises DomainError."""
    return _resolve(hold=hold, status=EscrowHold.Status.RELEASED, seller=seller)


@transaction.atomic
def escrow_refund(*, hold):
    """P2: give the held money back to the buyer, restoring the main and bonus parts as they were paid.
    At most once per hold: a retry returns the same transaction; refunding a released or split hold raises
    DomainError."""
    return _resolve(hold=hold, status=EscrowHold.Status.REFUNDED)


@transaction.atomic
def escrow_split(*, hold, seller, refund_cents):
    """O12 arbitration: `refund_cents` (0..amount) back to the buyer — the bonus part first, then main — and
    the rest released to `seller` as a sale (80/20, referral commissions on its main-paid part). At most once
    per hold: the same split retried returns the same transaction; anything else raises DomainError."""
    if isinstance(refund_cents, bool) or not isinstance(refund_cents, int):
        raise DomainError("The refund must be a whole number of cents.")
    return _resolve(hold=hold, status=EscrowHold.Status.SPLIT, seller=seller, refund_cents=refund_cents)


@transaction.atomic
def escrow_refund_many(*, holds):
    """Batch of escrow_refund for timer sweeps: every hold back to its buyer in one go (one lock of the holds,
    one of the accounts, one insert of transactions and of entries, one balance UPDATE). Same rules as
    escrow_refund for each hold; a conflict raises DomainError and nothing is written. Returns the
    transactions in the order of `holds`."""
    return _resolve_many([(hold, EscrowHold.Status.REFUNDED, None, 0) for hold in holds])


@transaction.atomic
def escrow_release_many(*, releases):
    """Batch of escrow_release: `releases` = [(hold, seller), ...]. Same rules as escrow_release for each;
    returns the transactions in the same order."""
    return _resolve_many([(hold, EscrowHold.Status.RELEASED, seller, 0) for hold, seller in releases])


# --- top-ups (P1, O1) -------------------------------------------------------------------------------------


def safe_next(url):
    """Only a path on this site is a place to come back to."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


def topup_url(*, amount_cents, next_url):
    """O1: the "Add funds" page pre-filled with `amount_cents` (e.g. the exact missing amount) that returns to
    `next_url` (a path on this site; anything else is dropped) once the money is credited."""
    params = {"amount_cents": max(int(amount_cents), rules.TOPUP_MIN_CENTS)}
    if safe_next(next_url):
        params["next"] = next_url
    return f"{reverse('payments:topup')}?{urlencode(params)}"


def _check_topup_amount(amount_cents):
    _check_amount(amount_cents)
    if amount_cents < rules.TOPUP_MIN_CENTS:
        raise DomainError(f"The smallest top-up is {money(rules.TOPUP_MIN_CENTS)}.")
    if amount_cents > rules.TOPUP_MAX_CENTS:
        raise DomainError(f"The largest top-up is {money(rules.TOPUP_MAX_CENTS)}.")


def _topup_credit(topup, *, card_fingerprint="", card_last4=""):
    """Credit a locked, not yet credited top-up: Stripe clearing → the user's main part."""
    acc = _ensure_accounts(topup.user)
    tx, _ = _post(
        kind=TxKind.TOPUP,
        reference=f"topup:{topup.pk}",
        idempotency_key=f"topup:{topup.pk}",
        legs=[
            (acc.system(Kind.STRIPE_CLEARING), -topup.amount_cents),
            (acc.of(topup.user, Kind.USER_MAIN), topup.amount_cents),
        ],
        memo="Test mode" if topup.is_test else (f"Card •••• {card_last4}" if card_last4 else "Card"),
    )
    topup.status = TopUp.Status.CREDITED
    topup.credited_at = timezone.now()
    topup.transaction = tx
    topup.card_fingerprint = card_fingerprint or topup.card_fingerprint
    topup.card_last4 = card_last4 or topup.card_last4
    topup.save(update_fields=["status", "credited_at", "transaction", "card_fingerprint", "card_last4"])
    account_services.notification_send(
        user=topup.user,
        kind="payments",
        title=f"{money(topup.amount_cents)} added to your balance",
        url=reverse("payments:balance"),
    )
    return tx


@transaction.atomic
def balance_fund(*, user, amount_cents, card_fingerprint="", card_last4=""):
    """Money in without a payment page, for demo data, test helpers and benchmarks (never a view): a top-up
    created paid and credited at once to the main part. Without a card it is a test-mode top-up; with one
    (`card_fingerprint`, `card_last4`) it is card money (P5). No mode switch or P1 limit is checked."""
    _check_amount(amount_cents)
    _ensure_accounts(user)
    topup = TopUp.objects.create(user=user, amount_cents=amount_cents, is_test=not card_fingerprint)
    _topup_credit(topup, card_fingerprint=card_fingerprint, card_last4=card_last4)
    return topup


@transaction.atomic
def topup_test_credit(*, user, amount_cents):
    """P1 test mode (no Stripe keys, DEBUG or PAYMENTS_TEST_TOPUP): credit the main part at once."""
    if not rules.test_topup_enabled():
        raise DomainError("Test-mode top-ups are switched off.")
    _check_topup_amount(amount_cents)
    return balance_fund(user=user, amount_cents=amount_cents)


def topup_checkout_start(*, user, amount_cents, next_url, build_url):
    """P1: a pending top-up and its Stripe Checkout Session; returns (topup, URL of Stripe's page).
    `build_url(path)` makes an absolute URL for Stripe to send the person back to."""
    if not rules.stripe_enabled():
        raise DomainError("Card payments are not available right now.")
    _check_topup_amount(amount_cents)
    topup = TopUp.objects.create(user=user, amount_cents=amount_cents, next_url=safe_next(next_url))
    back = reverse("payments:topup_return", args=[topup.pk])
    try:
        session_id, url = stripe_client.checkout_session_create(
            topup=topup,
            user=user,
            success_url=build_url(back),
            cancel_url=build_url(reverse("payments:topup") + f"?amount_cents={amount_cents}&cancelled=1"),
        )
    except stripe.StripeError as exc:
        logger.exception("Stripe Checkout Session failed")
        TopUp.objects.filter(pk=topup.pk).update(status=TopUp.Status.FAILED)
        raise DomainError("The card payment page could not be opened. Please try again in a minute.") from exc
    TopUp.objects.filter(pk=topup.pk).update(stripe_session_id=session_id)
    return topup, url


CREDIT_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
FAIL_EVENTS = {"checkout.session.async_payment_failed", "checkout.session.expired"}


def _verify(payload, signature):
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookRejected("webhook secret not configured")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
        event = json.loads(text)
        return event["id"], event["type"], event["data"]["object"]
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise WebhookRejected(str(exc)) from exc


def _session_topup(session):
    """The locked top-up a Checkout Session belongs to, or None when the session is not ours."""
    metadata = session.get("metadata") or {}
    try:
        topup_id = int(metadata.get("topup_id"))
    except (TypeError, ValueError):
        return None
    return (
        TopUp.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=topup_id, stripe_session_id=session.get("id"), user_id=metadata.get("user_id"))
        .first()
    )


def stripe_webhook_handle(*, payload, signature):
    """P1: verify the signature (raises WebhookRejected → HTTP 400), record the event id once, and credit the
    top-up on a paid `checkout.session.completed` or `async_payment_succeeded`, all in one transaction.
    Replays, duplicates, out-of-order and unknown events change nothing. Returns what was done."""
    event_id, event_type, session = _verify(payload, signature)
    wants_credit = event_type in CREDIT_EVENTS and (
        event_type != "checkout.session.completed"
        or session.get("payment_status") in ("paid", "no_payment_required")
    )
    card = ("", "")
    if wants_credit and not StripeEvent.objects.filter(event_id=event_id).exists():
        card = stripe_client.card_of_payment_intent(session.get("payment_intent"))  # outside the transaction
    owner_id = str((session.get("metadata") or {}).get("user_id", ""))
    _ensure_accounts(*(get_user_model().objects.filter(pk=owner_id) if owner_id.isdigit() else []))
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = StripeEvent.objects.create(event_id=event_id, type=event_type)
        except IntegrityError:
            return "duplicate event"
        outcome = _apply_session_event(event_type, session, wants_credit, card)
        StripeEvent.objects.filter(pk=event.pk).update(outcome=outcome)
    return outcome


def _apply_session_event(event_type, session, wants_credit, card):
    if event_type not in CREDIT_EVENTS | FAIL_EVENTS:
        return "ignored: not a top-up event"
    topup = _session_topup(session)
    if topup is None:
        return "ignored: unknown session"
    if topup.status == TopUp.Status.CREDITED:
        return "ignored: already credited"
    if event_type in FAIL_EVENTS:
        topup.status = TopUp.Status.FAILED
        topup.save(update_fields=["status"])
        return "top-up failed"
    if not wants_credit:
        return "waiting: payment not finished"
    if (
        session.get("amount_total") != topup.amount_cents
        or (session.get("currency") or "").lower() != rules.CURRENCY
    ):
        logger.error("Stripe session %s amount/currency differ from top-up %s", session.get("id"), topup.pk)
        return "ignored: amount mismatch"
    topup.stripe_payment_intent_id = session.get("payment_intent") or ""
    topup.save(update_fields=["stripe_payment_intent_id"])
    _topup_credit(topup, card_fingerprint=card[0], card_last4=card[1])
    return "credited"


# --- promo codes (P8) -------------------------------------------------------------------------------------


@transaction.atomic
def promo_redeem(*, user, code):
    """P8: credit a promo code's amount to the user's bonus part, once per user."""
    typed = (code or "").strip().upper()
    if not typed:
        raise DomainError("Type a promo code.", field="code")
    acc = _ensure_accounts(user)
    promo = PromoCode.objects.select_for_update().filter(code=typed).first()
    now = timezone.now()
    if promo is None or not promo.is_active:
        raise DomainError(f"There is no promo code “{typed}”. Check the spelling.", field="code")
    if promo.valid_from > now:
        raise DomainError("This promo code is not valid yet.", field="code")
    if promo.valid_until and promo.valid_until <= now:
        raise DomainError(f"This promo code expired on {promo.valid_until:%d %b %Y}.", field="code")
    if PromoRedemption.objects.filter(code=promo, user=user).exists():
        raise DomainError("You have already used this promo code.", field="code")
    if promo.max_redemptions is not None and promo.times_redeemed >= promo.max_redemptions:
        raise DomainError("This promo code has been used up.", field="code")
    tx, _ = _post(
        kind=TxKind.PROMO_REDEEM,
        reference=f"promo:{promo.code}",
        idempotency_key=f"promo:{promo.pk}:{user.pk}",
        legs=[
            (acc.system(Kind.PROMO), -promo.amount_cents),
            (acc.of(user, Kind.USER_BONUS), promo.amount_cents),
        ],
        memo=promo.code,
    )
    promo.times_redeemed += 1
    promo.save(update_fields=["times_redeemed"])
    return PromoRedemption.objects.create(code=promo, user=user, transaction=tx)


# --- withdrawals (P4, P5, P6, A5, A6) ---------------------------------------------------------------------


def _ensure_not_locked(user, what):
    until = account_selectors.withdrawal_locked_until(user)
    if until is not None:
        raise DomainError(
            f"{what} are locked until {until:%d %b %Y, %H:%M} UTC after a change to your account "
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


def withdrawal_quote(amount_cents):
    """P4: (fee_cents, payout_cents) of a card payout of `amount_cents`."""
    fee = rules.card_fee_cents(amount_cents)
    return fee, amount_cents - fee


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
        raise DomainError(f"The minimum withdrawal is {money(minimum)}.", field="amount")
    cards = selectors.topup_cards(user)
    if cards and details.card_fingerprint not in cards:
        raise DomainError("Money added by card can only be withdrawn to that card. Update your payout card.")
    acc = _ensure_accounts(user)
    main, payouts_account = acc.of(user, Kind.USER_MAIN), acc.system(Kind.PAYOUTS)
    locked = _lock_accounts([main, payouts_account])
    main_cents = locked[main.pk].balance_cents
    recent_card = selectors.recent_card_money_cents(user)
    withdrawable = selectors.withdrawable_from(main_cents, recent_card)
    if amount_cents > withdrawable:
        if amount_cents <= main_cents:
            available_on = selectors.card_money_available_on(user)
            raise DomainError(
                f"{money(recent_card)} of your balance was added by card less than a month ago and can be withdrawn "
                f"from {available_on:%d %b %Y}. You can withdraw {money(withdrawable)} now.",
                field="amount",
            )
        raise DomainError(
            f"{NOT_ENOUGH_MONEY} You can withdraw at most {money(withdrawable)} (the bonus part cannot be withdrawn).",
            field="amount",
        )
    fee, payout = withdrawal_quote(amount_cents)
    tx, _ = _post(
        kind=TxKind.WITHDRAWAL_REQUEST,
        reference="withdrawal",
        idempotency_key=f"withdrawal:{user.pk}:{uuid.uuid4().hex}",
        legs=[(main, -amount_cents), (payouts_account, amount_cents)],
        memo=f"To card •••• {details.card_last4}",
        locked=locked,
    )
    withdrawal = Withdrawal.objects.create(
        user=user,
        amount_cents=amount_cents,
        fee_cents=fee,
        payout_cents=payout,
        payout_details=details,
        request_transaction=tx,
    )
    LedgerTransaction.objects.filter(pk=tx.pk).update(reference=f"withdrawal:{withdrawal.pk}")
    return withdrawal


def _locked_withdrawal(withdrawal):
    return Withdrawal.objects.select_for_update(of=("self",)).select_related("user").get(pk=withdrawal.pk)


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
        kind="payments",
        title=f"Your withdrawal of {money(withdrawal.amount_cents)} is approved",
        body="It will be paid with the next batch (Mondays, Wednesdays and Fridays).",
        url=reverse("payments:withdraw"),
    )
    return withdrawal


@transaction.atomic
def withdrawal_reject(*, withdrawal, staff_user, reason):
    """P4: support rejects (with a reason the user sees); the money returns to the main part."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Write the reason for the user.")
    acc = _ensure_accounts(withdrawal.user)
    withdrawal = _locked_withdrawal(withdrawal)
    if withdrawal.status not in (Withdrawal.Status.REQUESTED, Withdrawal.Status.APPROVED):
        raise DomainError(f"This request is already {withdrawal.get_status_display().lower()}.")
    tx, _ = _post(
        kind=TxKind.WITHDRAWAL_REJECT,
        reference=f"withdrawal:{withdrawal.pk}",
        idempotency_key=f"withdrawal:{withdrawal.pk}:resolve",
        legs=[
            (acc.system(Kind.PAYOUTS), -withdrawal.amount_cents),
            (acc.of(withdrawal.user, Kind.USER_MAIN), withdrawal.amount_cents),
        ],
        memo=reason[:200],
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
        kind="payments",
        title=f"Your withdrawal of {money(withdrawal.amount_cents)} was rejected; the money is back on your balance",
        body=reason,
        url=reverse("payments:withdraw"),
    )
    return withdrawal


def payout_day(now=None):
    return (now or timezone.now()).weekday() in rules.PAYOUT_WEEKDAYS


@transaction.atomic
def payout_batch_run(*, now=None, force=False):
    """P4: pay every approved withdrawal in one batch (on Mondays, Wednesdays and Fridays unless forced).
    Rows are taken with skip_locked, so two runs at once never pay one request twice. Returns the batch or
    None when there is nothing to pay (or it is not a payout day)."""
    if not force and not payout_day(now):
        return None
    acc = _ensure_accounts()
    due = list(
        Withdrawal.objects.select_for_update(skip_locked=True)
        .filter(status=Withdrawal.Status.APPROVED, batch__isnull=True)
        .order_by("pk")
    )
    if not due:
        return None
    provider = payouts.get_provider()
    batch = PayoutBatch.objects.create(provider=provider.name)
    payouts_account = acc.system(Kind.PAYOUTS)
    clearing = acc.system(Kind.STRIPE_CLEARING)
    platform = acc.system(Kind.PLATFORM)
    paid_at = timezone.now()
    for withdrawal in due:
        legs = [(payouts_account, -withdrawal.amount_cents), (clearing, withdrawal.payout_cents)]
        if withdrawal.fee_cents:
            legs.append((platform, withdrawal.fee_cents))
        tx, _ = _post(
            kind=TxKind.WITHDRAWAL_PAYOUT,
            reference=f"withdrawal:{withdrawal.pk}",
            idempotency_key=f"withdrawal:{withdrawal.pk}:resolve",
            legs=legs,
            memo=f"Batch #{batch.pk}",
        )
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
            kind="payments",
            title=f"{money(withdrawal.payout_cents)} sent to your card •••• {withdrawal.payout_details.card_last4}",
            url=reverse("payments:withdraw"),
        )
    return batch


# --- referrals (P7) ---------------------------------------------------------------------------------------


def referral_attach(*, user, partner_id):
    """P7: at sign-up, attach the new user to the partner whose link they followed."""
    if not partner_id or str(partner_id) == str(user.pk):
        return None
    partner = get_user_model().objects.filter(pk=partner_id, is_active=True).first()
    if partner is None or Referral.objects.filter(referred=user).exists():
        return None
    return Referral.objects.create(partner=partner, referred=user, created_at=user.date_joined or timezone.now())


@transaction.atomic
def referral_mark_active(*, user):
    """P7: call when `user` places an order or gets a Kwork approved. Activates their referral when this
    happens within 180 days of sign-up; afterwards (or without a referral) nothing changes. Returns the
    referral or None."""
    referral = Referral.objects.select_for_update().filter(referred=user).first()
    if referral is None or referral.activated_at is not None:
        return referral
    now = timezone.now()
    if now - referral.created_at > timedelta(days=rules.REFERRAL_ACTIVATION_DAYS):
        return referral
    referral.activated_at = now
    referral.save(update_fields=["activated_at"])
    return referral
