"""The ledger itself (P9): one posting primitive, balanced, idempotent, never negative, append-only."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from common.errors import DomainError
from payments import services
from payments.invariants import ledger_problems
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from payments.services.ledger import _post  # the posting primitive itself, private to the services
from tests.support import fund, snapshot

pytestmark = pytest.mark.django_db
Kind = LedgerAccount.Kind


def test_p9_unbalanced_transaction_is_refused(user):
    main = services.user_account(user, Kind.USER_MAIN)
    clearing = services.system_account(Kind.STRIPE_CLEARING)
    with pytest.raises(ValueError, match="unbalanced"), transaction.atomic():
        _post(kind="topup", reference="x", idempotency_key="x", legs=[(main, 100), (clearing, -99)])
    assert not LedgerTransaction.objects.exists()


def test_p9_user_balance_never_goes_below_zero(user, other_user):
    fund(user, 500)
    a = services.user_account(user, Kind.USER_MAIN)
    b = services.user_account(other_user, Kind.USER_MAIN)
    before = snapshot()
    with pytest.raises(DomainError, match="Not enough money on your balance"), transaction.atomic():
        _post(kind="topup", reference="x", idempotency_key="x", legs=[(a, -501), (b, 501)])
    assert snapshot() == before


def test_p9_database_refuses_a_negative_user_balance_even_bypassing_the_service(user):
    account = services.user_account(user, Kind.USER_MAIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=account.pk).update(balance_cents=-1)


def test_p9_repeated_idempotency_key_returns_existing_transaction_and_changes_nothing(user):
    main = services.user_account(user, Kind.USER_MAIN)
    clearing = services.system_account(Kind.STRIPE_CLEARING)
    with transaction.atomic():
        tx, created = _post(
            kind="topup", reference="r", idempotency_key="same", legs=[(clearing, -100), (main, 100)]
        )
    before = snapshot()
    with transaction.atomic():
        again, created_again = _post(
            kind="topup", reference="r", idempotency_key="same", legs=[(clearing, -100), (main, 100)]
        )
    assert created and not created_again and again == tx
    assert snapshot() == before


def test_p9_entries_and_transactions_are_append_only(user):
    fund(user, 500)
    entry = LedgerEntry.objects.first()
    with pytest.raises(DomainError, match="append-only"):
        entry.amount_cents = 1
        entry.save()
    with pytest.raises(DomainError, match="append-only"):
        entry.delete()
    with pytest.raises(DomainError, match="append-only"):
        LedgerTransaction.objects.first().delete()


def test_p9_all_accounts_sum_to_zero_and_entries_match_cached_balances(user, other_user):
    fund(user, 5000)
    fund(other_user, 700)
    h = services.escrow_hold(buyer=user, amount_cents=1234, reference="order:9", idempotency_key="k")
    services.escrow_release(hold=h, seller=other_user)
    assert sum(LedgerAccount.objects.values_list("balance_cents", flat=True)) == 0
    assert ledger_problems() == []


def test_p9_ledger_check_command_passes_on_a_clean_ledger(user, capsys):
    fund(user, 5000)
    call_command("ledger_check")
    assert "Ledger OK" in capsys.readouterr().out


def test_p9_ledger_check_names_drift_and_fails(user, capsys):
    fund(user, 5000)
    account = services.user_account(user, Kind.USER_MAIN)
    LedgerAccount.objects.filter(pk=account.pk).update(balance_cents=5001)  # a cached balance drifted
    with pytest.raises(CommandError, match="ledger problem"):
        call_command("ledger_check")
    err = capsys.readouterr().err
    assert "cached balance 5001 != entries 5000" in err
    assert "all accounts sum to 1, not 0" in err


def test_p9_ledger_check_notices_escrow_not_matching_open_holds(user):
    fund(user, 5000)
    h = services.escrow_hold(buyer=user, amount_cents=1000, reference="order:1", idempotency_key="k")
    type(h).objects.filter(pk=h.pk).update(amount_cents=900, main_cents=900)
    assert any("open holds total 900" in p for p in ledger_problems()), ledger_problems()


def test_p9_ledger_check_also_asks_other_apps_ledger_checks(monkeypatch, capsys):
    import sys
    import types
    from importlib.machinery import ModuleSpec

    module = types.ModuleType("accounts.ledger_checks")
    module.__spec__ = ModuleSpec("accounts.ledger_checks", loader=None)
    module.problems = lambda: ["order 7 is completed but escrow order:7 is still held"]
    monkeypatch.setitem(sys.modules, "accounts.ledger_checks", module)
    assert ledger_problems() == ["order 7 is completed but escrow order:7 is still held"]
    with pytest.raises(CommandError):
        call_command("ledger_check")
    assert "escrow order:7 is still held" in capsys.readouterr().err
