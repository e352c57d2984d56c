"""The ledger's accounts and its one posting primitive (P9, DESIGN: Money). This is the only module that writes
ledger entries and account balances.

`_lock` fetches and locks every account a posting needs in ONE query (creating missing ones first, before any
account lock is held); `_post` / `_post_many` refuse to take an account that may not go negative below zero,
write the transactions, the entries and the cached balances with one statement each, and return the existing
transaction when an idempotency key was used before.

System accounts are sharded (rules.SYSTEM_ACCOUNT_SHARDS rows per kind): a posting credits the shard chosen
by a stable hash of its reference, so two orders rarely wait on the same row; money leaves escrow and payouts
from the very row it entered (the caller finds it from the crediting entry), so no shard goes below zero.

Locks are always taken in the same order: first the domain row (hold, withdrawal, top-up), then the ledger
accounts in primary-key order, so two transactions never wait on each other in a cycle."""

import zlib
from collections import defaultdict

from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum

from common.db import fetch_models, select_columns, update_from_values
from common.errors import DomainError

from .. import rules
from ..models import LedgerAccount, LedgerEntry, LedgerTransaction

Kind = LedgerAccount.Kind
TxKind = LedgerTransaction.Kind

NOT_ENOUGH_MONEY = "Not enough money on your balance."


def _check_amount(amount_cents, what="The amount"):
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise DomainError(f"{what} must be a whole number of cents.")
    if amount_cents <= 0:
        raise DomainError(f"{what} must be more than zero.")


def shard_of(reference):
    """The system-account shard of a reference: crc32, the same in every process (Python's hash() is not)."""
    return zlib.crc32(str(reference).encode()) % rules.SYSTEM_ACCOUNT_SHARDS


def user_key(user, kind):
    """The key of a person's account (`user`: a User or its id) for `_lock`."""
    return (getattr(user, "pk", user), kind, 0)


def system_key(kind, reference):
    """The key of the system account's shard that postings for `reference` use."""
    return (None, kind, shard_of(reference))


def system_account(kind, shard=0):
    """One shard of a system account (tests and scripts that post by hand); balances: `system_balance`."""
    account, _ = LedgerAccount.objects.get_or_create(owner=None, kind=kind, shard=shard)
    return account


def system_balance(kind):
    """A system account's balance: the sum of its shards."""
    return LedgerAccount.objects.filter(owner=None, kind=kind).aggregate(t=Sum("balance_cents"))["t"] or 0


def user_account(user, kind):
    account, _ = LedgerAccount.objects.get_or_create(owner=user, kind=kind)
    return account


class Accounts(dict):
    """Locked accounts: {(owner id or None, kind, shard): LedgerAccount}, and `rows` {pk: LedgerAccount} (also
    the rows locked by primary key)."""

    def __init__(self, rows):
        self.rows = {a.pk: a for a in rows}
        super().__init__(((a.owner_id, a.kind, a.shard), a) for a in self.rows.values())

    def of(self, user, kind):
        """`user` is a User or its id."""
        return self[user_key(user, kind)]

    def system(self, kind, reference):
        return self[system_key(kind, reference)]

    def account(self, key):
        """By key tuple or by primary key."""
        return self.rows[key] if isinstance(key, int) else self[key]


def _key_order(key):
    """One order for every INSERT of accounts, so two creating transactions never wait on each other in a cycle."""
    owner_id, kind, shard = key
    return (owner_id is not None, owner_id or 0, kind, shard)


_ACCOUNT_COLUMNS = select_columns(LedgerAccount)


def _keys_sql(keys):
    """The WHERE of the accounts named by `keys`, as SQL and parameters. Written by hand rather than with Q
    objects: compiling the ORM's query cost more than the database's work on this path (a hold and a release
    each lock once, and every order pays both)."""
    people, system = defaultdict(list), defaultdict(list)
    for owner_id, kind, shard in keys:
        if owner_id is None:
            system[kind].append(shard)
        else:
            people[owner_id].append(kind)
    parts, params = [], []
    for owner_id, kinds in people.items():
        parts.append(f"(owner_id = %s AND kind IN ({', '.join(['%s'] * len(kinds))}))")
        params += [owner_id, *kinds]
    for kind, shards in system.items():
        parts.append(f"(owner_id IS NULL AND kind = %s AND shard IN ({', '.join(['%s'] * len(shards))}))")
        params += [kind, *shards]
    return " OR ".join(parts) or "FALSE", params


def _select_accounts(sql, params):
    if transaction.get_connection().vendor == "postgresql":
        sql += " FOR UPDATE"  # SQLite locks the whole database for a write transaction anyway
    return [account for (account,) in fetch_models(LedgerAccount, sql, params)]


def _lock(keys=(), pks=()):
    """Fetch and lock, in ONE query and in primary-key order, the accounts named by `keys` (user_key /
    system_key tuples) and by primary key (`pks`, rows known to exist). Returns Accounts.

    The query locks nothing unless every keyed account exists (a count of them in the same statement): a
    missing one is created first, holding no account lock, and the query runs again. Creating while holding
    account locks is how deadlocks start (an INSERT waiting on another transaction's uncommitted twin, which
    waits on a row we hold)."""
    keys = sorted(set(keys), key=_key_order)
    pks = sorted(set(pks))
    wanted, key_params = _keys_sql(keys)
    pk_sql = f"id IN ({', '.join(['%s'] * len(pks))})" if pks else "FALSE"
    sql = f"SELECT {_ACCOUNT_COLUMNS} FROM payments_ledgeraccount WHERE (({wanted}) OR {pk_sql})"  # noqa: S608
    params = [*key_params, *pks]
    if keys:
        sql += f" AND (SELECT COUNT(*) FROM payments_ledgeraccount WHERE {wanted}) = %s"  # noqa: S608
        params += [*key_params, len(keys)]
    sql += " ORDER BY id"
    rows = _select_accounts(sql, params)
    if keys and not rows:
        # A person gets both parts at once, as pages expect (main and bonus exist together).
        create = set(keys) | {
            user_key(o, kind) for o, _, _ in keys if o is not None for kind in LedgerAccount.USER_KINDS
        }
        LedgerAccount.objects.bulk_create(
            [
                LedgerAccount(owner_id=owner_id, kind=kind, shard=shard)
                for owner_id, kind, shard in sorted(create, key=_key_order)
            ],
            ignore_conflicts=True,
        )
        rows = _select_accounts(sql, params)
        if not rows:
            raise RuntimeError(f"ledger accounts {keys} could not be created")
    return Accounts(rows)


def credited_system_account(transaction_field):
    """For `.annotate()`: the system account a transaction (the row's `transaction_field`) credited — the
    escrow shard of a hold, the payouts shard of a withdrawal request — so its money leaves from that row."""
    return Subquery(
        LedgerEntry.objects.filter(
            transaction_id=OuterRef(transaction_field), amount_cents__gt=0, account__owner__isnull=True
        )
        .order_by("pk")
        .values("account_id")[:1]
    )


def _lock_accounts(accounts):
    """Lock the given account rows in primary-key order; return {pk: fresh row} (postings whose legs name
    account objects that were not locked by `_lock`)."""
    ids = sorted({a.pk for a in accounts})
    return {a.pk: a for a in LedgerAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _post(*, kind, reference, idempotency_key, legs, memo="", locked=None, check_existing=True):
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
    return _post_many([posting], locked=locked, check_existing=check_existing)[0]


def _post_many(postings, *, locked=None, check_existing=True):
    """The posting primitive itself, for one transaction or a batch (sweeps resolving hundreds of holds):
    one lock of every account involved, in primary-key order (none when `locked`, from `_lock`, covers them),
    one idempotency look-up, one INSERT of the transactions, one of the entries and one UPDATE of the balances.
    Each posting is a dict with kind, reference, idempotency_key, legs and memo; returns [(transaction,
    created), ...] in the same order. All or nothing: any refused posting raises and the caller's transaction
    rolls back. `check_existing=False` skips the idempotency look-up when the caller has proved, under its
    locks, that none of the keys was used (a held hold has no resolution yet); a key used anyway still fails
    on the unique index, never posts twice."""
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
    if isinstance(locked, Accounts):
        locked = locked.rows
    if locked is None or not needed <= set(locked):
        locked = _lock_accounts(accounts[pk] for pk in needed)
    # Checked under the locks: a concurrent twin with the same key has committed by now (or never will).
    existing = {}
    if check_existing:
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
        txs = [
            LedgerTransaction(
                kind=posting["kind"],
                reference=posting["reference"],
                idempotency_key=posting["idempotency_key"],
                memo=posting.get("memo", "")[:200],
            )
            for posting, _ in new
        ]
        changed = {pk: b for pk, b in balances.items() if b != locked[pk].balance_cents}
        if transaction.get_connection().vendor == "postgresql":
            _write_in_one_statement(txs, [entries for _, entries in new], changed)
        else:
            LedgerTransaction.objects.bulk_create(txs)
            LedgerEntry.objects.bulk_create(
                LedgerEntry(transaction=tx, account_id=pk, amount_cents=cents, balance_after_cents=after)
                for tx, (_, entries) in zip(txs, new, strict=True)
                for pk, cents, after in entries
            )
            if changed:  # one UPDATE for every account
                update_from_values(LedgerAccount, ["balance_cents"], list(changed.items()))
        for pk, balance in changed.items():
            locked[pk].balance_cents = balance
        created = {tx.idempotency_key: tx for tx in txs}
    return [
        (existing[key], False) if key in existing else (created[key], True)
        for key in (posting["idempotency_key"] for posting in postings)
    ]


_WRITE_SQL = """WITH tx AS (
    INSERT INTO payments_ledgertransaction (kind, reference, idempotency_key, memo, created_at)
    SELECT v.kind, v.reference, v.idempotency_key, v.memo, v.created_at
    FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::timestamptz[])
        WITH ORDINALITY AS v(kind, reference, idempotency_key, memo, created_at, n)
    ORDER BY v.n
    RETURNING id, idempotency_key
), entries AS (
    INSERT INTO payments_ledgerentry (transaction_id, account_id, amount_cents, balance_after_cents)
    SELECT tx.id, e.account_id, e.amount_cents, e.balance_after_cents
    FROM unnest(%s::varchar[], %s::bigint[], %s::bigint[], %s::bigint[])
        WITH ORDINALITY AS e(idempotency_key, account_id, amount_cents, balance_after_cents, n)
    JOIN tx ON tx.idempotency_key = e.idempotency_key
    ORDER BY e.n
), balances AS (
    UPDATE payments_ledgeraccount AS a SET balance_cents = b.balance_cents
    FROM unnest(%s::bigint[], %s::bigint[]) AS b(id, balance_cents)
    WHERE a.id = b.id
)
SELECT id, idempotency_key FROM tx
"""


def _write_in_one_statement(txs, entries, balances):
    """PostgreSQL: the transactions, their entries (in the order of the legs, so one transaction's entries
    have neighbouring ids) and the new cached balances in ONE statement — one round trip instead of three. The
    same constraints check every row; `txs` get their primary keys."""
    connection = transaction.get_connection()
    entry_rows = [(tx.idempotency_key, *leg) for tx, legs in zip(txs, entries, strict=True) for leg in legs]
    columns = [list(column) for column in zip(*entry_rows, strict=True)]
    params = [
        [str(tx.kind) for tx in txs],
        [tx.reference for tx in txs],
        [tx.idempotency_key for tx in txs],
        [tx.memo for tx in txs],
        [tx.created_at for tx in txs],
        *columns,
        list(balances),
        list(balances.values()),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_WRITE_SQL, params)
        ids = {key: pk for pk, key in cursor.fetchall()}
    for tx in txs:
        tx.pk = ids[tx.idempotency_key]
        tx._state.adding = False
        tx._state.db = connection.alias


def _transaction_rereference(tx, reference):
    """Point a just-posted transaction at the row it created (a withdrawal's id is known only afterwards)."""
    LedgerTransaction.objects.filter(pk=tx.pk).update(reference=reference)
    tx.reference = reference
