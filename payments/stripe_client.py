"""The only module that talks to Stripe's servers. Tests replace these two functions; nothing else calls Stripe.

Signature checking of webhooks is local (stripe.WebhookSignature), see services.stripe_webhook_handle."""

import logging

import stripe
from django.conf import settings

from . import rules

logger = logging.getLogger(__name__)


def _client():
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY)


def checkout_session_create(*, topup, user, success_url, cancel_url):
    """P1: a Checkout Session for exactly `topup.amount_cents`; returns (session id, hosted page URL)."""
    session = _client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": rules.CURRENCY,
                        "unit_amount": topup.amount_cents,
                        "product_data": {"name": f"{settings.SITE_NAME} balance top-up"},
                    },
                }
            ],
            "customer_email": user.email or None,
            "client_reference_id": str(topup.pk),
            "metadata": {"user_id": str(user.pk), "topup_id": str(topup.pk)},
            "payment_intent_data": {"metadata": {"user_id": str(user.pk), "topup_id": str(topup.pk)}},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
    )
    return session.id, session.url


def card_of_payment_intent(payment_intent_id):
    """P5: (fingerprint, last4) of the card that paid, from the PaymentIntent's latest charge. Stripe may not
    have it (other payment methods) or be unreachable: then ("", "") and the top-up is still credited."""
    if not payment_intent_id or not settings.STRIPE_SECRET_KEY:
        return "", ""
    try:
        intent = _client().v1.payment_intents.retrieve(payment_intent_id, params={"expand": ["latest_charge"]})
        card = intent.latest_charge.payment_method_details.card
        return (card.fingerprint or "", card.last4 or "")
    except (stripe.StripeError, AttributeError, KeyError, TypeError):
        logger.warning("No card details for payment intent %s", payment_intent_id, exc_info=True)
        return "", ""
