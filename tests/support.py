"""Helpers shared by every app's tests: money in, balances, a snapshot of everything a refusal must leave
unchanged, and the Hypothesis settings of the state machines."""

import uuid

from django.conf import settings as django_settings
from django.db.models import Sum
from hypothesis import settings as hypothesis_settings

from accounts.models import Notification
from orders.models import Order, OrderEvent
from payments import services as payment_services
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, TopUp


def fund(user, cents, *, card=None, when=None):
    """Credit `cents` to the user's main part through payments' funding service: a test-mode top-up, or card
    money with card = (fingerprint, last4); `when` back-dates its crediting."""
    fingerprint, last4 = card or ("", "")
    topup = payment_services.balance_fund(
        user=user, amount_cents=cents, card_fingerprint=fingerprint, card_last4=last4
    )
    if when is not None:
        TopUp.objects.filter(pk=topup.pk).update(credited_at=when)
    return topup


def _balance(owner, kind):
    """Read only: a missing account is 0 (reading never creates one, so snapshots stay comparable); a system
    account is the sum of its shards."""
    return LedgerAccount.objects.filter(owner=owner, kind=kind).aggregate(t=Sum("balance_cents"))["t"] or 0


def main_of(user):
    return _balance(user, LedgerAccount.Kind.USER_MAIN) if user else 0


def bonus_of(user):
    return _balance(user, LedgerAccount.Kind.USER_BONUS) if user else 0


def platform_cents():
    return _balance(None, LedgerAccount.Kind.PLATFORM)


def snapshot(order=None):
    """Everything a refusal must leave unchanged: where money is, the ledger's rows, the orders' history,
    notifications, and the order's own row when given."""
    state = (
        tuple(LedgerAccount.objects.exclude(balance_cents=0).order_by("pk").values_list("pk", "balance_cents")),
        LedgerEntry.objects.count(),
        LedgerTransaction.objects.count(),
        OrderEvent.objects.count(),
        Notification.objects.count(),
        Order.objects.count(),
    )
    if order is not None:
        row = Order.objects.filter(pk=order.pk).values().get()
        state += (tuple(sorted(row.items())),)
    return state


def new_cache_namespace(settings):
    """Start the test on an empty cache (rate limits, cool-downs) with a key prefix of its own. Never cache.clear():
    on Redis it empties the whole db, under the feet of the other xdist workers."""
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"t-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {"default": cache}


def machine_settings(*, examples, steps, **overrides):
    """A Hypothesis state machine's settings on the active profile (tests/conftest.py): `examples` is the full
    run, which the "ci" profile runs; any other profile runs its own max_examples (a few by default)."""
    if hypothesis_settings.get_current_profile_name() != "ci":
        examples = hypothesis_settings().max_examples
    return hypothesis_settings(max_examples=examples, stateful_step_count=steps, **overrides)
