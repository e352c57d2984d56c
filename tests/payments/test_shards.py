"""P9 without a hot row (issue 14): every system account is several rows (shards). A posting credits the
shard of its reference, money leaves escrow and payouts from the row it entered, every reader sums the shards,
and a hold or a release sends a fixed, small number of statements."""

import threading
import zlib
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccountChange
from payments import rules, services
from payments.invariants import ledger_problems
from payments.models import EscrowHold, LedgerAccount, LedgerEntry, Referral, Withdrawal
from payments.services.ledger import shard_of
from tests.factories import UserFactory, in_group, verified
from tests.support import fund, main_of, platform_cents

from .conftest import bonus

Kind = LedgerAccount.Kind
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements(captured):
    """What a service sent, without transaction control (BEGIN/COMMIT, or savepoints inside a test's
    transaction)."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(CONTROL)]


def escrow_rows(hold):
    """The escrow rows a hold's ledger transactions touched."""
    tx_ids = [hold.hold_transaction_id, hold.resolution_transaction_id]
    return set(
        LedgerEntry.objects.filter(transaction_id__in=tx_ids, account__owner=None, account__kind=Kind.ESCROW)
        .values_list("account_id", flat=True)
        .distinct()
    )


def another_reference(reference, *, same_row):
    """The first order reference other than `reference` whose shard is (or, same_row=False, is not) its."""
    return next(
        f"order:{n}"
        for n in range(1, 10_000)
        if f"order:{n}" != reference and (shard_of(f"order:{n}") == shard_of(reference)) == same_row
    )


# --- the shard of a reference ------------------------------------------------------------------------------


def test_p9_the_shard_of_a_reference_is_stable_across_processes_and_spreads_orders():
    # crc32, not Python's salted hash(): every worker and every run picks the same row for a reference.
    assert shard_of("order:1") == zlib.crc32(b"order:1") % rules.SYSTEM_ACCOUNT_SHARDS
    used = {shard_of(f"order:{n}") for n in range(1, 2000)}
    assert used == set(range(rules.SYSTEM_ACCOUNT_SHARDS))


@pytest.mark.django_db
def test_p9_a_hold_and_its_release_use_one_escrow_row_and_orders_spread_over_several(user, seller):
    fund(user, 10_000)
    holds = [
        services.escrow_hold(buyer=user, amount_cents=1000, reference=f"order:{n}", idempotency_key=f"k{n}")
        for n in range(1, 6)
    ]
    for h in holds:
        services.escrow_release(hold=h, seller=seller)
        h.refresh_from_db()
    rows = [escrow_rows(h) for h in holds]
    assert all(len(r) == 1 for r in rows)  # the hold credited and the release debited the same row
    assert len(set.union(*rows)) > 1
    shards = dict(LedgerAccount.objects.filter(pk__in=set.union(*rows)).values_list("pk", "shard"))
    assert [shards[next(iter(r))] for r in rows] == [shard_of(h.reference) for h in holds]
    assert ledger_problems() == []


# --- readers sum the shards --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_p9_system_balances_and_ledger_check_sum_the_shards(user, seller):
    fund(user, 10_000)
    references = [
        "order:1",
        another_reference("order:1", same_row=False),
        another_reference("order:1", same_row=True),
    ]
    holds = [
        services.escrow_hold(buyer=user, amount_cents=1000 * n, reference=ref, idempotency_key=ref)
        for n, ref in enumerate(references, 1)
    ]
    assert LedgerAccount.objects.filter(owner=None, kind=Kind.ESCROW).exclude(balance_cents=0).count() == 2
    assert services.system_balance(Kind.ESCROW) == 1000 + 2000 + 3000
    assert ledger_problems() == []
    services.escrow_release(hold=holds[0], seller=seller)
    services.escrow_release(hold=holds[1], seller=seller)
    assert services.system_balance(Kind.ESCROW) == 3000
    assert services.system_balance(Kind.PLATFORM) == platform_cents() == 200 + 400
    assert services.system_balance(Kind.STRIPE_CLEARING) == -10_000
    assert ledger_problems() == []


@pytest.mark.django_db
def test_p9_ledger_check_names_the_shard_that_drifted_or_went_negative(user):
    fund(user, 5000)
    h = services.escrow_hold(buyer=user, amount_cents=1000, reference="order:1", idempotency_key="k")
    row = LedgerAccount.objects.get(entries__transaction=h.hold_transaction, owner=None)
    other = LedgerAccount.objects.filter(owner=None, kind=Kind.ESCROW).exclude(pk=row.pk).first()
    # Move the cached balance between two shards: the total still matches the open holds, each row is wrong.
    LedgerAccount.objects.filter(pk=row.pk).update(balance_cents=0)
    LedgerAccount.objects.filter(pk=other.pk).update(balance_cents=1000)
    problems = ledger_problems()
    assert f"account {row.pk} (escrow shard {row.shard}): cached balance 0 != entries 1000" in problems
    assert f"account {other.pk} (escrow shard {other.shard}): cached balance 1000 != entries 0" in problems
    assert not any("open holds" in p for p in problems)


# --- money leaves from the row it entered ------------------------------------------------------------------


@pytest.mark.django_db
def test_p9_changing_the_number_of_shards_never_takes_a_row_below_zero(user, seller, monkeypatch):
    fund(user, 10_000)
    bonus(user, 500)
    holds = [
        services.escrow_hold(buyer=user, amount_cents=1500, reference=f"order:{n}", idempotency_key=f"k{n}")
        for n in range(1, 5)
    ]
    monkeypatch.setattr(rules, "SYSTEM_ACCOUNT_SHARDS", 5)  # every reference maps elsewhere now
    services.escrow_release(hold=holds[0], seller=seller)
    services.escrow_refund(hold=holds[1])
    services.escrow_split(hold=holds[2], seller=seller, refund_cents=700)
    services.escrow_refund_many(holds=[holds[3]])
    for h in holds:
        h.refresh_from_db()
        assert len(escrow_rows(h)) == 1
    assert not LedgerAccount.objects.filter(owner=None, kind=Kind.ESCROW, balance_cents__lt=0).exists()
    assert services.system_balance(Kind.ESCROW) == 0
    assert ledger_problems() == []


@pytest.mark.django_db
def test_p4_p9_a_withdrawal_leaves_payouts_from_the_row_its_request_entered(user, other_user, monkeypatch):
    support = in_group(verified(UserFactory()), "Support")
    for person in (user, other_user):
        fund(person, 5000)
        services.payout_details_save(user=person, holder_name="Pat Doe", card_last4="1234")
        AccountChange.objects.filter(user=person).update(created_at=timezone.now() - timedelta(days=8))
    rejected = services.withdrawal_request(user=user, amount_cents=2000)
    paid = services.withdrawal_request(user=other_user, amount_cents=1000)
    services.withdrawal_approve(withdrawal=paid, staff_user=support)
    monkeypatch.setattr(rules, "SYSTEM_ACCOUNT_SHARDS", 3)
    services.withdrawal_reject(withdrawal=rejected, staff_user=support, reason="Card details do not match")
    assert services.payout_batch_run(force=True).count == 1
    for w in (rejected, paid):
        w = Withdrawal.objects.get(pk=w.pk)
        payouts = LedgerEntry.objects.filter(
            transaction_id__in=[w.request_transaction_id, w.resolution_transaction_id],
            account__owner=None,
            account__kind=Kind.PAYOUTS,
        )
        assert payouts.values("account_id").distinct().count() == 1
    assert not LedgerAccount.objects.filter(owner=None, kind=Kind.PAYOUTS, balance_cents__lt=0).exists()
    assert services.system_balance(Kind.PAYOUTS) == 0
    assert main_of(user) == 5000
    assert ledger_problems() == []


# --- accounts created on first use ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_p9_missing_accounts_are_created_on_first_use(user, seller):
    LedgerAccount.objects.filter(owner=None).delete()  # a fresh database whose shards were never made
    fund(user, 3000)
    h = services.escrow_hold(buyer=user, amount_cents=1000, reference="order:1", idempotency_key="k")
    services.escrow_release(hold=h, seller=seller)
    assert set(LedgerAccount.objects.filter(owner=None).values_list("kind", "shard")) == {
        (Kind.STRIPE_CLEARING, shard_of("topup:" + str(user.topups.get().pk))),
        (Kind.ESCROW, shard_of("order:1")),
        (Kind.PLATFORM, shard_of("order:1")),
    }
    # A person's two parts are made together, whichever the posting needed.
    assert set(LedgerAccount.objects.filter(owner=seller).values_list("kind", flat=True)) == {
        Kind.USER_MAIN,
        Kind.USER_BONUS,
    }
    assert ledger_problems() == []


# --- round trips ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_p9_a_hold_and_a_release_send_a_few_statements(user, seller):
    fund(user, 10_000)
    warm = services.escrow_hold(buyer=user, amount_cents=100, reference="order:1", idempotency_key="k1")
    services.escrow_release(hold=warm, seller=seller)  # every account of the two people exists now
    with CaptureQueriesContext(connection) as hold_queries:
        h = services.escrow_hold(buyer=user, amount_cents=1000, reference="order:2", idempotency_key="k2")
    with CaptureQueriesContext(connection) as release_queries:
        services.escrow_release(hold=h, seller=seller)
    hold_sql, release_sql = statements(hold_queries), statements(release_queries)
    # The ledger's writes: on PostgreSQL one statement (transactions, entries and balances together), else
    # one INSERT of the transaction, one of the entries and one UPDATE of the balances.
    if connection.vendor == "postgresql":
        writes = [["WITH", "tx"]]
    else:
        writes = [["INSERT", "INTO"], ["INSERT", "INTO"], ["UPDATE", '"payments_ledgeraccount"']]
    # Accounts fetched and locked together; one look-up for the reference and the key; the writes; the hold.
    assert [s.split(" ", 2)[:2] for s in hold_sql] == [
        ["SELECT", "id,"],
        ["SELECT", "h.id,"],
        *writes,
        ["INSERT", "INTO"],
    ]
    assert "FROM payments_ledgeraccount" in hold_sql[0]
    assert "FROM payments_escrowhold" in hold_sql[1]
    # The hold (locked, with its escrow row and whether anyone involved was referred), its accounts (locked),
    # the writes, the hold's resolution.
    assert len(release_sql) == 3 + len(writes), release_sql
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in hold_sql[0]
        assert ["FOR UPDATE" in s for s in release_sql] == [True, True, False, False]
    # With a referral partner the referrals are read as well, and the commission written.
    partner = verified(UserFactory())
    fund(partner, 100)  # their accounts exist (creating them costs an INSERT and a second lock query)
    Referral.objects.create(partner=partner, referred=user, activated_at=timezone.now())
    referred_hold = services.escrow_hold(buyer=user, amount_cents=1000, reference="order:3", idempotency_key="k3")
    with CaptureQueriesContext(connection) as referred_queries:
        services.escrow_release(hold=referred_hold, seller=seller)
    assert len(statements(referred_queries)) == 5 + len(writes), statements(referred_queries)
    assert main_of(partner) == 100 + 35  # 3.5 % of $10.00
    # Replaying the hold changes nothing and costs no write.
    with CaptureQueriesContext(connection) as again:
        assert services.escrow_hold(buyer=user, amount_cents=1000, reference="order:2", idempotency_key="k2") == h
    assert not any(s.startswith(("INSERT", "UPDATE", "WITH")) for s in statements(again))


# --- two orders do not wait on each other (PostgreSQL row locks) -------------------------------------------


def _in_open_transaction(job, started, finish):
    """Run `job` in a transaction on this thread's own connection and keep it open until `finish` is set."""
    try:
        with transaction.atomic():
            job()
            started.set()
            finish.wait(30)
    finally:
        connection.close()


def _with_lock_timeout(job):
    """Run `job` in a transaction that gives up (OperationalError) after waiting 500 ms for any lock."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '500ms'")
        return job()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_p9_two_orders_holds_do_not_wait_on_each_other():
    first_buyer, second_buyer = verified(UserFactory()), verified(UserFactory())
    fund(first_buyer, 5000)
    fund(second_buyer, 5000)
    mine = "order:1"
    elsewhere = another_reference(mine, same_row=False)
    same_row = another_reference(mine, same_row=True)
    started, finish = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_in_open_transaction,
        args=(
            lambda: services.escrow_hold(
                buyer=first_buyer, amount_cents=1000, reference=mine, idempotency_key="a"
            ),
            started,
            finish,
        ),
    )
    holder.start()
    try:
        assert started.wait(30)
        # Another order on another escrow row goes through while the first hold's transaction is open ...
        hold = _with_lock_timeout(
            lambda: services.escrow_hold(
                buyer=second_buyer, amount_cents=1000, reference=elsewhere, idempotency_key="b"
            )
        )
        assert hold.status == EscrowHold.Status.HELD
        # ... while an order on the first one's row waits for it (what every order did with one escrow row).
        with pytest.raises(OperationalError, match="lock timeout"):
            _with_lock_timeout(
                lambda: services.escrow_hold(
                    buyer=second_buyer, amount_cents=1000, reference=same_row, idempotency_key="c"
                )
            )
    finally:
        finish.set()
        holder.join(30)
    assert EscrowHold.objects.count() == 2
    assert ledger_problems() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_p9_two_orders_releases_do_not_wait_on_each_other():
    buyers = [verified(UserFactory()) for _ in range(2)]
    sellers = [verified(UserFactory()) for _ in range(2)]
    mine = "order:1"
    elsewhere = another_reference(mine, same_row=False)
    holds = []
    for buyer, reference in zip(buyers, (mine, elsewhere), strict=True):
        fund(buyer, 5000)
        holds.append(
            services.escrow_hold(buyer=buyer, amount_cents=1000, reference=reference, idempotency_key=reference)
        )
    started, finish = threading.Event(), threading.Event()
    releaser = threading.Thread(
        target=_in_open_transaction,
        args=(lambda: services.escrow_release(hold=holds[0], seller=sellers[0]), started, finish),
    )
    releaser.start()
    try:
        assert started.wait(30)
        _with_lock_timeout(lambda: services.escrow_release(hold=holds[1], seller=sellers[1]))
    finally:
        finish.set()
        releaser.join(30)
    assert main_of(sellers[0]) == main_of(sellers[1]) == 800
    assert services.system_balance(Kind.PLATFORM) == 400
    assert ledger_problems() == []


# --- the migration ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_p9_migration_keeps_the_old_system_row_and_its_balance_as_shard_0():
    before, after = [("payments", "0001_initial")], [("payments", "0002_system_account_shards")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("payments", "LedgerAccount").objects.filter(owner=None).delete()  # empty rows of earlier tests
    account, transaction_model, entry = (
        old.get_model("payments", name) for name in ("LedgerAccount", "LedgerTransaction", "LedgerEntry")
    )
    platform = account.objects.create(owner=None, kind="platform", balance_cents=700)
    clearing = account.objects.create(owner=None, kind="stripe_clearing", balance_cents=-700)
    tx = transaction_model.objects.create(kind="topup", reference="old", idempotency_key="old")
    entry.objects.create(transaction=tx, account=platform, amount_cents=700, balance_after_cents=700)
    entry.objects.create(transaction=tx, account=clearing, amount_cents=-700, balance_after_cents=-700)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    try:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert LedgerAccount.objects.get(pk=platform.pk).shard == 0
        assert LedgerAccount.objects.get(pk=platform.pk).balance_cents == 700
        for kind in (Kind.ESCROW, Kind.PLATFORM, Kind.STRIPE_CLEARING, Kind.PAYOUTS, Kind.PROMO):
            assert LedgerAccount.objects.filter(owner=None, kind=kind).count() == rules.SYSTEM_ACCOUNT_SHARDS
        assert services.system_balance(Kind.PLATFORM) == 700
        assert ledger_problems() == []
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
