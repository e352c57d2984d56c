"""Escrow (P2, P3, P7, P8): the buyer's money held for an order, resolved exactly once — released to the seller
(their share by rules.seller_share_cents, referral commissions out of the platform's part), refunded, or split.

A retry of the same resolution returns the same ledger transaction (safe for Celery's acks_late); a different
resolution of a resolved hold raises DomainError. Batch forms serve the timer sweeps."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from common.db import fetch_models, select_columns, update_from_values
from common.errors import DomainError
from common.money import format_cents

from .. import rules, selectors
from ..models import EscrowHold, LedgerTransaction, Referral, ReferralCommission
from .ledger import (
    Kind,
    TxKind,
    _check_amount,
    _lock,
    _post,
    _post_many,
    system_key,
    user_key,
)


class InsufficientFunds(DomainError):
    """The buyer's balance (bonus + main) is short by `missing_cents` (O1: send them to add exactly that)."""

    def __init__(self, missing_cents):
        self.missing_cents = missing_cents
        super().__init__(
            f"Not enough money on your balance: {format_cents(missing_cents)} is missing. "
            "Add funds to pay for this order."
        )


# Hand-written SQL on the two queries every order runs (the hold's look-up, the release's lock): compiling them
# with the ORM cost more than the database's work, and threads of one worker wait on each other for it.
_HOLD_COLUMNS = select_columns(EscrowHold, "h")


def _earlier_hold(reference, key):
    """(hold, its transaction's idempotency key) of the hold of `reference` or of the key `key`, or None. The
    key's transaction by a scalar subquery: an OR across the join would read every hold."""
    found = fetch_models(
        EscrowHold,
        f"SELECT {_HOLD_COLUMNS}, t.idempotency_key FROM payments_escrowhold h "  # noqa: S608
        "JOIN payments_ledgertransaction t ON t.id = h.hold_transaction_id "
        "WHERE h.reference = %s OR h.hold_transaction_id = "
        "(SELECT id FROM payments_ledgertransaction WHERE idempotency_key = %s) LIMIT 1",
        [reference, key],
    )
    return found[0] if found else None


def _lock_holds(pks, people):
    """Lock the holds `pks` in primary-key order; returns [(hold, escrow account id, referred), ...]: the
    escrow row each hold's transaction credited (its money leaves from there), and whether any of `people`
    was referred by a partner (the same for every row; most people were not, so referrals are read only
    then)."""
    marks = ", ".join(["%s"] * len(pks))
    people_marks = ", ".join(["%s"] * len(people)) or "NULL"
    sql = (
        f"SELECT {_HOLD_COLUMNS}, "  # noqa: S608
        # Driven by the transaction's two or three entries (a join from the accounts' side read every
        # system account's entries).
        "(SELECT e.account_id FROM payments_ledgerentry e "
        "WHERE e.transaction_id = h.hold_transaction_id AND e.amount_cents > 0 "
        "AND (SELECT a.owner_id FROM payments_ledgeraccount a WHERE a.id = e.account_id) IS NULL "
        "ORDER BY e.id LIMIT 1), "
        f"EXISTS (SELECT 1 FROM payments_referral r WHERE r.referred_id IN ({people_marks})) "
        f"FROM payments_escrowhold h WHERE h.id IN ({marks}) ORDER BY h.id"
    )
    if transaction.get_connection().vendor == "postgresql":
        sql += " FOR UPDATE OF h"
    return fetch_models(EscrowHold, sql, [*people, *pks])


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

    key = f"hold:{idempotency_key}"
    acc = _lock(
        [user_key(buyer, Kind.USER_MAIN), user_key(buyer, Kind.USER_BONUS), system_key(Kind.ESCROW, reference)]
    )
    # One look-up for both the reference and the idempotency key (the hold transaction of a key always has its
    # hold; a hold matching both is the only one matching either). Decisive: a twin hold of the same reference
    # locks the same escrow shard, so it has committed by now or waits for us.
    earlier = _earlier_hold(reference, key)
    if earlier is not None:
        hold, hold_key = earlier
        if (hold.reference, hold_key, hold.buyer_id) == (reference, key, buyer.pk):
            return hold  # the same hold asked again
        raise DomainError("This order has already been paid.")
    main, bonus, escrow = (
        acc.of(buyer, Kind.USER_MAIN),
        acc.of(buyer, Kind.USER_BONUS),
        acc.system(Kind.ESCROW, reference),
    )
    available = main.balance_cents + bonus.balance_cents
    if available < amount_cents:
        raise InsufficientFunds(amount_cents - available)
    bonus_part = min(bonus.balance_cents, amount_cents)
    main_part = amount_cents - bonus_part
    try:
        tx, _ = _post(
            kind=TxKind.ESCROW_HOLD,
            reference=reference,
            idempotency_key=key,
            legs=[(bonus, -bonus_part), (main, -main_part), (escrow, amount_cents)],
            locked=acc,
            check_existing=False,
        )
        return EscrowHold.objects.create(
            buyer=buyer,
            amount_cents=amount_cents,
            main_cents=main_part,
            bonus_cents=bonus_part,
            reference=reference,
            hold_transaction=tx,
        )
    except IntegrityError as exc:
        # The same idempotency key for another reference, posted at the same moment (the unique indexes
        # refuse the second); this function's atomic block rolls everything of it back.
        raise DomainError("This order has already been paid.") from exc


def _attached_referral(user_id, at, referrals):
    referral = next((r for r in referrals if r.referred_id == user_id), None)
    if referral and referral.partner.is_active and selectors.referral_is_attached(referral, at=at):
        return referral
    return None


def _sale_legs(*, hold, seller, sold_cents, sold_main_cents, escrow, now, referrals):
    """P3 + P7: `sold_cents` of the hold goes to the seller (their share) and the platform (the rest); referral
    partners of the buyer and of the seller (rules.REFERRAL_*_BASIS_POINTS) are paid from the platform's share, counted on the
    money that came from the buyer's main part. Legs name accounts by `_lock` key (`escrow`: the hold's escrow
    row). Returns (legs, commissions to record)."""
    if sold_cents == 0:
        return [], []
    seller_cents = rules.seller_share_cents(sold_cents)
    platform = system_key(Kind.PLATFORM, hold.reference)
    platform_cents = sold_cents - seller_cents
    legs = [(escrow, -sold_cents), (user_key(seller, Kind.USER_MAIN), seller_cents)]
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
        legs.append((user_key(referral.partner_id, Kind.USER_MAIN), cents))
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
    batch is written). Locks: the holds in primary-key order, then the accounts in primary-key order (one
    query); the money leaves the escrow shard the hold credited."""
    now = timezone.now()
    sellers = {seller.pk: seller for _, _, seller, _ in items if seller is not None}
    buyer_ids = {hold.buyer_id for hold, _, _, _ in items}
    people = sorted(buyer_ids | set(sellers))
    holds = {}
    referred = False
    for hold, escrow_account_id, anyone_referred in _lock_holds(sorted({h.pk for h, _, _, _ in items}), people):
        hold.escrow_account_id = escrow_account_id
        holds[hold.pk] = hold
        referred = bool(anyone_referred)
    referrals = []
    if referred:
        referrals = list(Referral.objects.filter(referred_id__in=people).select_related("partner"))
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
            raise DomainError(f"The refund must be between $0.00 and {format_cents(hold.amount_cents)}.")
        escrow = hold.escrow_account_id
        # Refunds give the bonus part back first (it was spent first), then the main part: promo money never
        # turns into withdrawable money.
        bonus_back = min(refund_cents, hold.bonus_cents)
        main_back = refund_cents - bonus_back
        legs = []
        if bonus_back:
            legs += [(escrow, -bonus_back), (user_key(hold.buyer_id, Kind.USER_BONUS), bonus_back)]
        if main_back:
            legs += [(escrow, -main_back), (user_key(hold.buyer_id, Kind.USER_MAIN), main_back)]
        sale_legs, commissions = _sale_legs(
            hold=hold,
            seller=seller,
            sold_cents=hold.amount_cents - refund_cents,
            sold_main_cents=hold.main_cents - main_back,
            escrow=escrow,
            now=now,
            referrals=referrals,
        )
        memo = ""
        if status == EscrowHold.Status.SPLIT:
            memo = f"{format_cents(refund_cents)} refunded, {format_cents(hold.amount_cents - refund_cents)} to the seller"
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
    posted = []
    if postings:
        keyed = [key for posting in postings for key, _ in posting["legs"]]
        acc = _lock([k for k in keyed if not isinstance(k, int)], pks=[k for k in keyed if isinstance(k, int)])
        for posting in postings:
            posting["legs"] = [(acc.account(key), cents) for key, cents in posting["legs"]]
        # No idempotency look-up: every posted hold was held under its row lock, so its resolution key
        # ("escrow:<hold>:resolve", written together with the status) is unused.
        posted = _post_many(postings, locked=acc, check_existing=False)
    for (hold, _commissions), (tx, _) in zip(todo, posted, strict=True):
        hold.resolution_transaction = tx
        done[hold.pk] = tx
    commission_rows = [
        ReferralCommission(
            referral=r, kind=k, base_cents=base, amount_cents=cents, transaction=hold.resolution_transaction
        )
        for hold, commissions in todo
        for r, k, base, cents in commissions
    ]
    if commission_rows:
        ReferralCommission.objects.bulk_create(commission_rows)
    if todo:
        _write_resolutions([hold for hold, _ in todo])
    earlier_ids = [v for v in done.values() if isinstance(v, int)]
    earlier = {t.pk: t for t in LedgerTransaction.objects.filter(pk__in=earlier_ids)} if earlier_ids else {}
    return [
        done[item[0].pk] if isinstance(done[item[0].pk], LedgerTransaction) else earlier[done[item[0].pk]]
        for item in items
    ]


@transaction.atomic
def escrow_release(*, hold, seller):
    """P2/P3/P7: pay the held money to `seller` (their share to their main part) and the platform (the rest, less
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
    the rest released to `seller` as a sale (seller share and platform, referral commissions on its main-paid part). At most once
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
