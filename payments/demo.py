"""Demo money. bella can order at once ($150 main from a test-mode top-up, $10 bonus from a promo code), and her
withdraw page shows the card rule (P5) at work: $40 added by card six weeks ago (withdrawable to that card) and
$25 three days ago (held for a month), with a payout card saved more than a week ago (P6's lock is over)."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import AccountChange, User
from accounts.rules import SENSITIVE_CHANGE_LOCK_DAYS

from . import rules, services
from .models import LedgerTransaction, PayoutDetails, PromoCode, PromoRedemption, TopUp

DEMO_PROMO = "WELCOME10"
DEMO_CARD = ("demo-card-visa-4242", "4242")  # fingerprint, last four digits


def backdate_topup(topup, when):
    """Demo data only: make a credited top-up (and its ledger transaction) look older."""
    TopUp.objects.filter(pk=topup.pk).update(created_at=when, credited_at=when)
    LedgerTransaction.objects.filter(pk=topup.transaction_id).update(created_at=when)


def backdate_payout_details(details, when):
    PayoutDetails.objects.filter(pk=details.pk).update(created_at=when)
    AccountChange.objects.filter(user=details.user, kind=AccountChange.Kind.PAYOUT_DETAILS).update(created_at=when)


def seed(log):
    bella = User.objects.filter(username="bella").first()
    if bella is None:
        log("payments: no demo buyer (bella); skipped")
        return
    # The older card money first: the statement lists rows in the order they were written.
    if not TopUp.objects.filter(user=bella, is_test=False).exists():
        now = timezone.now()
        fingerprint, last4 = DEMO_CARD
        old = services.balance_fund(user=bella, amount_cents=4_000, card_fingerprint=fingerprint, card_last4=last4)
        backdate_topup(old, now - timedelta(days=rules.CARD_MONEY_HOLD_DAYS + 12))
        young = services.balance_fund(
            user=bella, amount_cents=2_500, card_fingerprint=fingerprint, card_last4=last4
        )
        backdate_topup(young, now - timedelta(days=3))
        details = services.payout_details_save(user=bella, holder_name="Bella Brown", card_fingerprint=fingerprint)
        backdate_payout_details(details, now - timedelta(days=SENSITIVE_CHANGE_LOCK_DAYS + 3))
        log(
            "payments: bella added $40.00 by card 6 weeks ago and $25.00 3 days ago; payout card saved 10 days ago"
        )
    promo, _ = PromoCode.objects.get_or_create(
        code=DEMO_PROMO, defaults={"amount_cents": 1000, "note": "Demo: $10 welcome bonus"}
    )
    if not TopUp.objects.filter(user=bella, is_test=True, status=TopUp.Status.CREDITED).exists():
        services.balance_fund(user=bella, amount_cents=15_000)
        log("payments: bella got $150.00 (test-mode top-up)")
    if not PromoRedemption.objects.filter(code=promo, user=bella).exists():
        services.promo_redeem(user=bella, code=DEMO_PROMO)
        log(f"payments: bella redeemed {DEMO_PROMO} ($10.00 bonus)")
