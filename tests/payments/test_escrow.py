"""Escrow (P2), the 80/20 split (P3), bonus first (P8), balanced ledger (P9)."""

import pytest

from common.errors import DomainError
from payments import services
from payments.invariants import ledger_problems
from payments.models import EscrowHold, LedgerAccount, LedgerTransaction
from payments.selectors import balance_of
from tests.support import fund, snapshot

from .conftest import bonus

pytestmark = pytest.mark.django_db


def system_balance(kind):
    return services.system_balance(kind)


def hold(user, cents, ref="order:1", key="k1"):
    return services.escrow_hold(buyer=user, amount_cents=cents, reference=ref, idempotency_key=key)


def test_p2_hold_moves_money_from_balance_into_escrow(user):
    fund(user, 5000)
    h = hold(user, 1200)
    assert h.status == EscrowHold.Status.HELD and h.amount_cents == 1200
    assert balance_of(user).main_cents == 3800
    assert balance_of(user).escrow_cents == 1200
    assert system_balance(LedgerAccount.Kind.ESCROW) == 1200
    assert ledger_problems() == []


def test_p8_hold_spends_bonus_first_then_main(user):
    fund(user, 5000)
    bonus(user, 1000)
    h = hold(user, 1500)
    assert (h.bonus_cents, h.main_cents) == (1000, 500)
    b = balance_of(user)
    assert (b.main_cents, b.bonus_cents) == (4500, 0)


def test_p8_hold_smaller_than_bonus_uses_only_bonus(user):
    fund(user, 5000)
    bonus(user, 1000)
    h = hold(user, 300)
    assert (h.bonus_cents, h.main_cents) == (300, 0)
    assert balance_of(user).bonus_cents == 700


def test_o1_p9_hold_without_enough_money_says_exactly_what_is_missing_and_changes_nothing(user):
    fund(user, 1000)
    bonus(user, 200)
    before = snapshot()
    with pytest.raises(services.InsufficientFunds) as exc:
        hold(user, 2000)
    assert exc.value.missing_cents == 800
    assert "Not enough money on your balance: $8.00 is missing" in str(exc.value)
    assert isinstance(exc.value, DomainError)
    assert snapshot() == before
    assert not EscrowHold.objects.exists()


@pytest.mark.parametrize("amount", [0, -100])
def test_p9_hold_of_zero_or_negative_amount_is_refused(user, amount):
    fund(user, 1000)
    before = snapshot()
    with pytest.raises(DomainError, match="must be more than zero"):
        hold(user, amount)
    assert snapshot() == before


def test_p2_same_idempotency_key_returns_the_same_hold_once(user):
    fund(user, 5000)
    first = hold(user, 1000)
    before = snapshot()
    again = hold(user, 1000)
    assert again.pk == first.pk
    assert snapshot() == before
    assert balance_of(user).main_cents == 4000


def test_p2_second_hold_for_an_already_paid_reference_is_refused(user):
    fund(user, 5000)
    hold(user, 1000, key="a")
    before = snapshot()
    with pytest.raises(DomainError, match="already been paid"):
        hold(user, 1000, key="b")
    assert snapshot() == before


def test_p3_release_pays_the_seller_80_and_the_platform_20_percent(user, seller):
    fund(user, 5000)
    h = hold(user, 1000)
    tx = services.escrow_release(hold=h, seller=seller)
    h.refresh_from_db()
    assert tx.kind == LedgerTransaction.Kind.ESCROW_RELEASE
    assert h.status == EscrowHold.Status.RELEASED and h.resolved_at and h.resolution_transaction == tx
    assert balance_of(seller).main_cents == 800
    assert system_balance(LedgerAccount.Kind.PLATFORM) == 200
    assert system_balance(LedgerAccount.Kind.ESCROW) == 0
    assert sum(e.amount_cents for e in tx.entries.all()) == 0
    assert ledger_problems() == []


def test_p3_odd_cents_go_to_the_platform_never_lost(user, seller):
    fund(user, 5000)
    services.escrow_release(hold=hold(user, 999), seller=seller)
    assert balance_of(seller).main_cents == 799
    assert system_balance(LedgerAccount.Kind.PLATFORM) == 200
    assert ledger_problems() == []


def test_p2_refund_restores_main_and_bonus_as_paid(user):
    fund(user, 5000)
    bonus(user, 1000)
    h = hold(user, 1500)
    services.escrow_refund(hold=h)
    b = balance_of(user)
    assert (b.main_cents, b.bonus_cents, b.escrow_cents) == (5000, 1000, 0)
    h.refresh_from_db()
    assert h.status == EscrowHold.Status.REFUNDED


def test_p2_release_twice_returns_the_same_transaction_and_pays_once(user, seller):
    fund(user, 5000)
    h = hold(user, 1000)
    first = services.escrow_release(hold=h, seller=seller)
    before = snapshot()
    assert services.escrow_release(hold=h, seller=seller) == first
    assert snapshot() == before
    assert balance_of(seller).main_cents == 800


def test_p2_refund_after_release_is_refused_and_changes_nothing(user, seller):
    fund(user, 5000)
    h = hold(user, 1000)
    services.escrow_release(hold=h, seller=seller)
    before = snapshot()
    with pytest.raises(DomainError, match="already been released"):
        services.escrow_refund(hold=h)
    with pytest.raises(DomainError, match="already been released"):
        services.escrow_split(hold=h, seller=seller, refund_cents=100)
    assert snapshot() == before


def test_p2_release_after_refund_is_refused(user, seller):
    fund(user, 5000)
    h = hold(user, 1000)
    services.escrow_refund(hold=h)
    before = snapshot()
    with pytest.raises(DomainError, match="already been refunded"):
        services.escrow_release(hold=h, seller=seller)
    assert snapshot() == before


def test_p2_release_to_another_seller_after_release_is_refused(user, seller, other_user):
    fund(user, 5000)
    h = hold(user, 1000)
    services.escrow_release(hold=h, seller=seller)
    with pytest.raises(DomainError, match="already been released"):
        services.escrow_release(hold=h, seller=other_user)


def test_p2_buyer_cannot_be_paid_as_seller_of_own_hold(user):
    fund(user, 5000)
    h = hold(user, 1000)
    before = snapshot()
    with pytest.raises(DomainError, match="cannot be paid"):
        services.escrow_release(hold=h, seller=user)
    assert snapshot() == before


def test_p3_p8_split_refunds_bonus_first_and_sells_the_rest(user, seller):
    fund(user, 5000)
    bonus(user, 400)
    h = hold(user, 2000)  # 400 bonus + 1600 main
    tx = services.escrow_split(hold=h, seller=seller, refund_cents=1000)
    b = balance_of(user)
    assert b.bonus_cents == 400  # the bonus part came back first
    assert b.main_cents == 3400 + 600  # then 600 of main
    assert balance_of(seller).main_cents == 800  # 80 % of the 1000 sold
    assert system_balance(LedgerAccount.Kind.PLATFORM) == 200
    h.refresh_from_db()
    assert h.status == EscrowHold.Status.SPLIT and h.refund_cents == 1000
    assert tx.kind == LedgerTransaction.Kind.ESCROW_SPLIT
    assert ledger_problems() == []


@pytest.mark.parametrize("refund", [0, 1000])
def test_p2_split_edges_all_to_seller_or_all_refunded(user, seller, refund):
    fund(user, 5000)
    h = hold(user, 1000)
    services.escrow_split(hold=h, seller=seller, refund_cents=refund)
    assert balance_of(seller).main_cents == (1000 - refund) * 80 // 100
    assert balance_of(user).main_cents == 4000 + refund
    assert ledger_problems() == []


@pytest.mark.parametrize("refund", [-1, 1001])
def test_p2_split_with_refund_outside_the_amount_is_refused(user, seller, refund):
    fund(user, 5000)
    h = hold(user, 1000)
    before = snapshot()
    with pytest.raises(DomainError, match="between"):
        services.escrow_split(hold=h, seller=seller, refund_cents=refund)
    assert snapshot() == before
    h.refresh_from_db()
    assert h.status == EscrowHold.Status.HELD


def test_p2_same_split_retried_returns_same_transaction_other_split_refused(user, seller):
    fund(user, 5000)
    h = hold(user, 1000)
    tx = services.escrow_split(hold=h, seller=seller, refund_cents=300)
    assert services.escrow_split(hold=h, seller=seller, refund_cents=300) == tx
    with pytest.raises(DomainError, match="already been split"):
        services.escrow_split(hold=h, seller=seller, refund_cents=400)


def test_p2_refund_many_refunds_every_hold_once_in_one_go(user, other_user, django_assert_max_num_queries):
    fund(user, 5000)
    fund(other_user, 5000)
    bonus(user, 300)
    holds = [hold(user, 1000, ref="order:1", key="a"), hold(other_user, 700, ref="order:2", key="b")]
    holds += [hold(user, 500, ref=f"order:{i}", key=f"k{i}") for i in range(3, 8)]
    with django_assert_max_num_queries(14):  # constant: the same for 7 holds as for 500
        txs = services.escrow_refund_many(holds=holds)
    assert len(txs) == 7 and all(t.kind == LedgerTransaction.Kind.ESCROW_REFUND for t in txs)
    assert (balance_of(user).main_cents, balance_of(user).bonus_cents) == (5000, 300)
    assert balance_of(other_user).main_cents == 5000
    assert ledger_problems() == []
    before = snapshot()
    assert services.escrow_refund_many(holds=holds) == txs  # retried: the same transactions, nothing new
    assert snapshot() == before


def test_p2_refund_many_with_a_released_hold_refuses_the_whole_batch(user, seller):
    fund(user, 5000)
    a, b = hold(user, 1000, ref="order:1", key="a"), hold(user, 1000, ref="order:2", key="b")
    services.escrow_release(hold=b, seller=seller)
    before = snapshot()
    with pytest.raises(DomainError, match="already been released"):
        services.escrow_refund_many(holds=[a, b])
    assert snapshot() == before
    a.refresh_from_db()
    assert a.status == EscrowHold.Status.HELD


def test_p3_release_many_pays_each_seller_80_percent(user, seller, other_user):
    fund(user, 5000)
    h1, h2 = hold(user, 1000, ref="order:1", key="a"), hold(user, 2000, ref="order:2", key="b")
    txs = services.escrow_release_many(releases=[(h1, seller), (h2, other_user)])
    assert [t.reference for t in txs] == ["order:1", "order:2"]
    assert balance_of(seller).main_cents == 800 and balance_of(other_user).main_cents == 1600
    assert system_balance(LedgerAccount.Kind.PLATFORM) == 600
    assert ledger_problems() == []
