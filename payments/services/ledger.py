"""The ledger's accounts and its one posting primitive (P9, DESIGN: Money). This is the only module that writes
ledger entries and account balances.

`_post` / `_post_many` lock the accounts involved in primary-key order, refuse to take a user account below
zero, write the entries, update the cached balances in one UPDATE, and return the existing transaction when an
idempotency key was used before.

Locks are always taken in the same order: first the domain row (hold, withdrawal, top-up), then the ledger
accounts in primary-key order, so two transactions never wait on each other in a cycle."""

from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from common.db import update_from_values
from common.errors import DomainError

from ..models import LedgerAccount, LedgerEntry, LedgerTransaction

Kind = LedgerAccount.Kind
TxKind = LedgerTransaction.Kind

NOT_ENOUGH_MONEY = "Not enough money on your balance."


def _check_amount(amount_cents, what="The amount"):
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise DomainError(f"{what} must be a whole number of cents.")
    if amount_cents <= 0:
        raise DomainError(f"{what} must be more than zero.")


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


def _transaction_rereference(tx, reference):
    """Point a just-posted transaction at the row it created (a withdrawal's id is known only afterwards)."""
    LedgerTransaction.objects.filter(pk=tx.pk).update(reference=reference)
    tx.reference = reference
