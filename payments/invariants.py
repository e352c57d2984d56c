"""The ledger's invariants (DESIGN: Money, P9), checked in one place: `manage.py ledger_check` and the
Hypothesis state machine both call `ledger_problems()`."""

from django.db.models import Count, Q, Sum

from .models import EscrowHold, LedgerAccount, LedgerEntry, LedgerTransaction, Withdrawal


def ledger_problems():
    """Return a list of human-readable problems; empty when every invariant holds."""
    problems = []
    sums = dict(
        LedgerEntry.objects.values("account_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("account_id", "total")
    )
    total_cached = 0
    for account in LedgerAccount.objects.select_related("owner").order_by("pk"):
        total_cached += account.balance_cents
        entries = sums.get(account.pk, 0)
        if entries != account.balance_cents:
            problems.append(
                f"account {account.pk} ({account}): cached balance {account.balance_cents} != entries {entries}"
            )
        if account.balance_cents < 0 and not account.may_go_negative:
            problems.append(f"account {account.pk} ({account}) is negative: {account.balance_cents}")
    if total_cached != 0:
        problems.append(f"all accounts sum to {total_cached}, not 0")
    unbalanced = (
        LedgerTransaction.objects.annotate(total=Sum("entries__amount_cents"), legs=Count("entries"))
        .filter(~Q(total=0) | Q(legs=0))
        .values_list("pk", "total")
    )
    for pk, total in unbalanced:
        problems.append(f"transaction {pk} sums to {total}, not 0")
    escrow = LedgerAccount.objects.filter(owner=None, kind=LedgerAccount.Kind.ESCROW).first()
    open_holds = (
        EscrowHold.objects.filter(status=EscrowHold.Status.HELD).aggregate(t=Sum("amount_cents"))["t"] or 0
    )
    if (escrow.balance_cents if escrow else 0) != open_holds:
        problems.append(
            f"escrow account holds {escrow.balance_cents if escrow else 0}, open holds total {open_holds}"
        )
    twice = (
        LedgerTransaction.objects.filter(
            kind__in=[
                LedgerTransaction.Kind.ESCROW_RELEASE,
                LedgerTransaction.Kind.ESCROW_REFUND,
                LedgerTransaction.Kind.ESCROW_SPLIT,
            ]
        )
        .values("reference")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("reference", flat=True)
    )
    for reference in twice:
        problems.append(f"escrow {reference} was resolved more than once")
    bad_holds = EscrowHold.objects.filter(
        Q(status=EscrowHold.Status.HELD, resolution_transaction__isnull=False)
        | (~Q(status=EscrowHold.Status.HELD) & Q(resolution_transaction__isnull=True))
    ).values_list("reference", flat=True)
    for reference in bad_holds:
        problems.append(f"escrow {reference} status and resolution disagree")
    payouts = LedgerAccount.objects.filter(owner=None, kind=LedgerAccount.Kind.PAYOUTS).first()
    pending = (
        Withdrawal.objects.filter(status__in=[Withdrawal.Status.REQUESTED, Withdrawal.Status.APPROVED]).aggregate(
            t=Sum("amount_cents")
        )["t"]
        or 0
    )
    if (payouts.balance_cents if payouts else 0) != pending:
        problems.append(
            f"payouts account holds {payouts.balance_cents if payouts else 0}, pending withdrawals {pending}"
        )
    return problems
