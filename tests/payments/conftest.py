"""Helpers of the payments tests: bonus money and signed Stripe events (money in, balances and snapshots are
tests/support.py's)."""

import hashlib
import hmac
import json
import time

import pytest
from django.utils import timezone

from payments import services
from payments.models import TopUp

WEBHOOK_SECRET = "whsec_test_secret"


def bonus(user, cents):
    from payments.models import PromoCode

    promo = PromoCode.objects.create(code=f"B{user.pk}X{cents}X{PromoCode.objects.count()}", amount_cents=cents)
    return services.promo_redeem(user=user, code=promo.code)


def sign(payload, secret=WEBHOOK_SECRET, timestamp=None):
    """The Stripe-Signature header, computed as Stripe does: t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<payload>")."""
    timestamp = int(timestamp if timestamp is not None else time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def session_event(
    topup,
    *,
    event_id="evt_1",
    type="checkout.session.completed",
    payment_status="paid",
    amount=None,
    currency="usd",
    session_id=None,
    user_id=None,
):
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": type,
            "created": int(timezone.now().timestamp()),
            "data": {
                "object": {
                    "id": session_id or topup.stripe_session_id,
                    "object": "checkout.session",
                    "payment_status": payment_status,
                    "amount_total": topup.amount_cents if amount is None else amount,
                    "currency": currency,
                    "payment_intent": "pi_123",
                    "metadata": {"topup_id": str(topup.pk), "user_id": str(user_id or topup.user_id)},
                }
            },
        }
    )


def post_webhook(client, payload, signature=None, **kwargs):
    return client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature if signature is not None else sign(payload, **kwargs),
    )


@pytest.fixture
def stripe_settings(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    monkeypatch.setattr("payments.stripe_client.card_of_payment_intent", lambda pi: ("fp_card_a", "4242"))
    return settings


@pytest.fixture
def pending_topup(user, stripe_settings):
    return TopUp.objects.create(user=user, amount_cents=5000, stripe_session_id="cs_test_1", next_url="/orders/7/")
