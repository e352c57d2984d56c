"""The ledger's invariants (DESIGN: Money, P9), checked in one place: `manage.py ledger_check` and the
Hypothesis state machine both call `ledger_problems()`. Six queries, whatever the size of the ledger."""

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from common.discovery import app_declarations

from .models import EscrowHold, LedgerAccount, LedgerEntry, LedgerTransaction, Withdrawal

RESOLUTION_KINDS = [
    LedgerTransaction.Kind.ESCROW_RELEASE,
    LedgerTransaction.Kind.ESCROW_REFUND,
    LedgerTransaction.Kind.ESCROW_SPLIT,
]


def ledger_problems():
    """Return a list of human-readable problems; empty when every invariant holds:
    - each account's cached balance equals the sum of its entries;
    - no account that may not go negative (users, escrow, payouts, platform) is below zero;
    - all accounts together sum to zero;
    - every transaction has entries and they sum to zero;
    - the escrow account (all its shards together) holds exactly the open holds; no hold is resolved twice, and
      a hold's status agrees with its resolution;
    - the payouts account (all its shards together) holds exactly the withdrawals waiting to be paid;
    - and whatever other apps add: an app with a `ledger_checks.py` defining `problems()` (returning a list of
      strings) is asked too — e.g. orders can report a hold left open on a finished order, which payments,
      knowing nothing of orders, cannot see."""
    problems = []
    accounts = LedgerAccount.objects.annotate(entries_total=Coalesce(Sum("entries__amount_cents"), 0)).values_list(
        "pk", "owner_id", "kind", "shard", "balance_cents", "entries_total"
    )
    total = 0
    system = {}
    for pk, owner_id, kind, shard, balance, entries in accounts:
        total += balance
        label = f"account {pk} ({kind} of user {owner_id})" if owner_id else f"account {pk} ({kind} shard {shard})"
        if owner_id is None:
            system[kind] = system.get(kind, 0) + balance
        if balance != entries:
            problems.append(f"{label}: cached balance {balance} != entries {entries}")
        if balance < 0 and kind not in LedgerAccount.SOURCE_KINDS:
            problems.append(f"{label} is negative: {balance}")
    if total != 0:
        problems.append(f"all accounts sum to {total}, not 0")

    unbalanced = (
        LedgerEntry.objects.values("transaction_id")
        .annotate(total=Sum("amount_cents"))
        .filter(~Q(total=0))
        .values_list("transaction_id", "total")
    )
    problems += [f"transaction {pk} sums to {t}, not 0" for pk, t in unbalanced]
    problems += [
        f"transaction {pk} has no entries"
        for pk in LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True)
    ]

    holds = EscrowHold.objects.aggregate(
        open_total=Coalesce(Sum("amount_cents", filter=Q(status=EscrowHold.Status.HELD)), 0),
        bad=Count(
            "pk",
            filter=Q(status=EscrowHold.Status.HELD, resolution_transaction__isnull=False)
            | (~Q(status=EscrowHold.Status.HELD) & Q(resolution_transaction__isnull=True)),
        ),
    )
    escrow = system.get(LedgerAccount.Kind.ESCROW, 0)
    if escrow != holds["open_total"]:
        problems.append(f"escrow account holds {escrow}, open holds total {holds['open_total']}")
    if holds["bad"]:
        problems.append(f"{holds['bad']} escrow hold(s) whose status and resolution disagree")
    twice = (
        LedgerTransaction.objects.filter(kind__in=RESOLUTION_KINDS)
        .values("reference")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("reference", flat=True)
    )
    problems += [f"escrow {reference} was resolved more than once" for reference in twice]

    pending = Withdrawal.objects.filter(
        status__in=[Withdrawal.Status.REQUESTED, Withdrawal.Status.APPROVED]
    ).aggregate(t=Coalesce(Sum("amount_cents"), 0))["t"]
    payouts = system.get(LedgerAccount.Kind.PAYOUTS, 0)
    if payouts != pending:
        problems.append(f"payouts account holds {payouts}, pending withdrawals {pending}")
    problems += other_apps_problems()
    return problems


def other_apps_problems():
    """The problems every installed app's `ledger_checks.py` reports (found by Django's autodiscovery)."""
    found = []
    for problems in app_declarations("ledger_checks", "problems"):
        found += list(problems())
    return found
