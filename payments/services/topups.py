"""Money in (P1, O1): Stripe Checkout top-ups and their signed webhook, the test-mode top-up, and
`balance_fund`, the one way demo data and tests put money on a balance."""

import json
import logging
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.rules import NotificationKind
from common.errors import DomainError
from common.money import format_cents
from common.redirects import safe_next

from .. import rules, stripe_client
from ..models import StripeEvent, TopUp
from .ledger import Kind, TxKind, _check_amount, _lock, _post, system_key, user_key

logger = logging.getLogger(__name__)


class WebhookRejected(Exception):
    """A webhook whose signature, timestamp or body is not acceptable: the view answers 400."""


def topup_url(*, amount_cents, next_url):
    """O1: the "Add funds" page pre-filled with `amount_cents` (e.g. the exact missing amount) that returns to
    `next_url` (a path on this site; anything else is dropped) once the money is credited."""
    params = {"amount_cents": max(int(amount_cents), rules.TOPUP_MIN_CENTS)}
    if safe_next(next_url):
        params["next"] = next_url
    return f"{reverse('payments:topup')}?{urlencode(params)}"


def _check_topup_amount(amount_cents):
    _check_amount(amount_cents)
    if amount_cents < rules.TOPUP_MIN_CENTS:
        raise DomainError(f"The smallest top-up is {format_cents(rules.TOPUP_MIN_CENTS)}.")
    if amount_cents > rules.TOPUP_MAX_CENTS:
        raise DomainError(f"The largest top-up is {format_cents(rules.TOPUP_MAX_CENTS)}.")


def _topup_credit(topup, *, card_fingerprint="", card_last4=""):
    """Credit a locked, not yet credited top-up: Stripe clearing → the user's main part."""
    reference = f"topup:{topup.pk}"
    acc = _lock([system_key(Kind.STRIPE_CLEARING, reference), user_key(topup.user_id, Kind.USER_MAIN)])
    tx, _ = _post(
        kind=TxKind.TOPUP,
        reference=reference,
        idempotency_key=f"topup:{topup.pk}",
        legs=[
            (acc.system(Kind.STRIPE_CLEARING, reference), -topup.amount_cents),
            (acc.of(topup.user_id, Kind.USER_MAIN), topup.amount_cents),
        ],
        memo="Test mode" if topup.is_test else (f"Card •••• {card_last4}" if card_last4 else "Card"),
        locked=acc,
    )
    topup.status = TopUp.Status.CREDITED
    topup.credited_at = timezone.now()
    topup.transaction = tx
    topup.card_fingerprint = card_fingerprint or topup.card_fingerprint
    topup.card_last4 = card_last4 or topup.card_last4
    topup.save(update_fields=["status", "credited_at", "transaction", "card_fingerprint", "card_last4"])
    account_services.notification_send(
        user=topup.user,
        kind=NotificationKind.PAYMENTS,
        title=f"{format_cents(topup.amount_cents)} added to your balance",
        url=reverse("payments:balance"),
    )
    return tx


@transaction.atomic
def balance_fund(*, user, amount_cents, card_fingerprint="", card_last4=""):
    """Money in without a payment page, for demo data, test helpers and benchmarks (never a view): a top-up
    created paid and credited at once to the main part. Without a card it is a test-mode top-up; with one
    (`card_fingerprint`, `card_last4`) it is card money (P5). No mode switch or P1 limit is checked."""
    _check_amount(amount_cents)
    topup = TopUp.objects.create(user=user, amount_cents=amount_cents, is_test=not card_fingerprint)
    _topup_credit(topup, card_fingerprint=card_fingerprint, card_last4=card_last4)
    return topup


@transaction.atomic
def topup_test_credit(*, user, amount_cents):
    """P1 test mode (no Stripe keys, DEBUG or PAYMENTS_TEST_TOPUP): credit the main part at once."""
    if not rules.test_topup_enabled():
        raise DomainError("Test-mode top-ups are switched off.")
    _check_topup_amount(amount_cents)
    return balance_fund(user=user, amount_cents=amount_cents)


def topup_checkout_start(*, user, amount_cents, next_url, build_url):
    """P1: a pending top-up and its Stripe Checkout Session; returns (topup, URL of Stripe's page).
    `build_url(path)` makes an absolute URL for Stripe to send the person back to."""
    if not rules.stripe_enabled():
        raise DomainError("Card payments are not available right now.")
    _check_topup_amount(amount_cents)
    topup = TopUp.objects.create(user=user, amount_cents=amount_cents, next_url=safe_next(next_url))
    back = reverse("payments:topup_return", args=[topup.pk])
    try:
        session_id, url = stripe_client.checkout_session_create(
            topup=topup,
            user=user,
            success_url=build_url(back),
            cancel_url=build_url(reverse("payments:topup") + f"?amount_cents={amount_cents}&cancelled=1"),
        )
    except stripe.StripeError as exc:
        logger.exception("Stripe Checkout Session failed")
        TopUp.objects.filter(pk=topup.pk).update(status=TopUp.Status.FAILED)
        raise DomainError("The card payment page could not be opened. Please try again in a minute.") from exc
    TopUp.objects.filter(pk=topup.pk).update(stripe_session_id=session_id)
    return topup, url


CREDIT_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
FAIL_EVENTS = {"checkout.session.async_payment_failed", "checkout.session.expired"}


def _verify(payload, signature):
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookRejected("webhook secret not configured")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
        event = json.loads(text)
        return event["id"], event["type"], event["data"]["object"]
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise WebhookRejected(str(exc)) from exc


def _session_topup(session):
    """The locked top-up a Checkout Session belongs to, or None when the session is not ours."""
    metadata = session.get("metadata") or {}
    try:
        topup_id = int(metadata.get("topup_id"))
    except (TypeError, ValueError):
        return None
    return (
        TopUp.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=topup_id, stripe_session_id=session.get("id"), user_id=metadata.get("user_id"))
        .first()
    )


def stripe_webhook_handle(*, payload, signature):
    """P1: verify the signature (raises WebhookRejected → HTTP 400), record the event id once, and credit the
    top-up on a paid `checkout.session.completed` or `async_payment_succeeded`, all in one transaction.
    Replays, duplicates, out-of-order and unknown events change nothing. Returns what was done."""
    event_id, event_type, session = _verify(payload, signature)
    wants_credit = event_type in CREDIT_EVENTS and (
        event_type != "checkout.session.completed"
        or session.get("payment_status") in ("paid", "no_payment_required")
    )
    card = ("", "")
    if wants_credit and not StripeEvent.objects.filter(event_id=event_id).exists():
        card = stripe_client.card_of_payment_intent(session.get("payment_intent"))  # outside the transaction
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = StripeEvent.objects.create(event_id=event_id, type=event_type)
        except IntegrityError:
            return "duplicate event"
        outcome = _apply_session_event(event_type, session, wants_credit, card)
        StripeEvent.objects.filter(pk=event.pk).update(outcome=outcome)
    return outcome


def _apply_session_event(event_type, session, wants_credit, card):
    if event_type not in CREDIT_EVENTS | FAIL_EVENTS:
        return "ignored: not a top-up event"
    topup = _session_topup(session)
    if topup is None:
        return "ignored: unknown session"
    if topup.status == TopUp.Status.CREDITED:
        return "ignored: already credited"
    if event_type in FAIL_EVENTS:
        topup.status = TopUp.Status.FAILED
        topup.save(update_fields=["status"])
        return "top-up failed"
    if not wants_credit:
        return "waiting: payment not finished"
    if (
        session.get("amount_total") != topup.amount_cents
        or (session.get("currency") or "").lower() != rules.CURRENCY
    ):
        logger.error("Stripe session %s amount/currency differ from top-up %s", session.get("id"), topup.pk)
        return "ignored: amount mismatch"
    topup.stripe_payment_intent_id = session.get("payment_intent") or ""
    topup.save(update_fields=["stripe_payment_intent_id"])
    _topup_credit(topup, card_fingerprint=card[0], card_last4=card[1])
    return "credited"
