"""seed_demo fills every queue a person can try (issue 13): the withdrawal and account-deletion queues of the back
office, the card rule on the withdraw page (old and young card money), a locked payout card, a Kwork's edits
waiting for the moderator; and a second run adds nothing."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import DeletionRequest, User
from accounts.selectors import withdrawal_locked_until
from marketplace.models import Kwork
from payments import rules as payment_rules
from payments.invariants import ledger_problems
from payments.models import TopUp, Withdrawal
from payments.selectors import balance_of, card_money_available_on

pytestmark = pytest.mark.django_db


def counts():
    return (
        Withdrawal.objects.count(),
        DeletionRequest.objects.count(),
        TopUp.objects.count(),
        Kwork.objects.filter(pending_changes__isnull=False).count(),
        Kwork.objects.filter(portfolio_items__isnull=False).count(),
    )


def test_demo_data_fills_the_money_and_moderation_queues_once():
    call_command("seed_demo", stdout=io.StringIO())
    people = {u.username: u for u in User.objects.all()}
    waiting = Withdrawal.objects.get(user=people["sergio"])
    assert waiting.status == Withdrawal.Status.REQUESTED
    assert DeletionRequest.objects.filter(user=people["quentin"], status=DeletionRequest.Status.PENDING).exists()
    # bella: card money older than a month is withdrawable, the young one is held until its date.
    bella = people["bella"]
    now = timezone.now()
    cards = TopUp.objects.filter(user=bella, is_test=False).order_by("credited_at")
    assert len(cards) == 2
    assert cards[0].credited_at < now - timedelta(days=payment_rules.CARD_MONEY_HOLD_DAYS)
    assert cards[1].credited_at > now - timedelta(days=payment_rules.CARD_MONEY_HOLD_DAYS)
    balance = balance_of(bella)
    assert balance.withdrawable_cents == balance.main_cents - cards[1].amount_cents
    assert card_money_available_on(bella) > now
    assert withdrawal_locked_until(bella) is None  # payout card saved more than a week ago
    assert withdrawal_locked_until(people["nina"]) is not None  # changed today
    edited = Kwork.objects.get(pending_changes__isnull=False)
    assert edited.status == Kwork.Status.ACTIVE and edited.review_requested_at is not None
    # C14: sergio's most ordered Kwork shows results its buyers allowed, and stays listed (C11(a)).
    from marketplace.models import PortfolioItem

    items = PortfolioItem.objects.filter(seller=people["sergio"])
    assert items.count() == 4 and not items[0].kwork.portfolio_paused
    assert ledger_problems() == []
    before = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == before


def test_demo_covers_draw_only_what_the_bundled_font_has():
    from marketplace.demo import _drawable, gallery_png

    assert (
        _drawable("Translate English ↔ Czech – fast, “natural” café")
        == 'Translate English to Czech - fast, "natural" cafe'
    )
    assert gallery_png("I will translate English ↔ Czech", 0).size > 0
