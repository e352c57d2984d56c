"""Demo money: bella can order at once ($150 main from a test-mode top-up, $10 bonus from a promo code)."""

from accounts.models import User

from . import services
from .models import PromoCode, PromoRedemption, TopUp

DEMO_PROMO = "WELCOME10"


def seed(log):
    bella = User.objects.filter(username="bella").first()
    if bella is None:
        log("payments: no demo buyer (bella); skipped")
        return
    promo, _ = PromoCode.objects.get_or_create(
        code=DEMO_PROMO, defaults={"amount_cents": 1000, "note": "Demo: $10 welcome bonus"}
    )
    if not TopUp.objects.filter(user=bella, is_test=True, status=TopUp.Status.CREDITED).exists():
        services.balance_fund(user=bella, amount_cents=15_000)
        log("payments: bella got $150.00 (test-mode top-up)")
    if not PromoRedemption.objects.filter(code=promo, user=bella).exists():
        services.promo_redeem(user=bella, code=DEMO_PROMO)
        log(f"payments: bella redeemed {DEMO_PROMO} ($10.00 bonus)")
