"""Adding funds (P1) through Stripe Checkout and its signed webhook; the test-mode stand-in; O1's return."""

import time
from unittest import mock

import pytest
import time_machine
from django.test import override_settings

from payments import services, stripe_client
from payments.invariants import ledger_problems
from payments.models import StripeEvent, TopUp
from tests.support import snapshot

from .conftest import WEBHOOK_SECRET, post_webhook, session_event, sign

pytestmark = pytest.mark.django_db


def main_cents(user):
    from payments.selectors import balance_of

    return balance_of(user).main_cents


def test_p1_signed_checkout_completed_credits_the_main_part_once(client, pending_topup, user):
    response = post_webhook(client, session_event(pending_topup))
    assert response.status_code == 200 and response.content == b"credited"
    pending_topup.refresh_from_db()
    assert pending_topup.status == TopUp.Status.CREDITED and pending_topup.credited_at
    assert (pending_topup.card_fingerprint, pending_topup.card_last4) == ("fp_card_a", "4242")
    assert main_cents(user) == 5000
    assert ledger_problems() == []


def test_p1_replayed_event_changes_nothing(client, pending_topup, user):
    payload = session_event(pending_topup)
    post_webhook(client, payload)
    before = snapshot()
    response = post_webhook(client, payload)
    assert response.status_code == 200 and response.content == b"duplicate event"
    assert snapshot() == before
    assert main_cents(user) == 5000
    assert StripeEvent.objects.count() == 1


def test_p1_a_second_event_for_the_same_payment_does_not_credit_again(client, pending_topup, user):
    post_webhook(client, session_event(pending_topup, event_id="evt_a"))
    before = snapshot()
    response = post_webhook(
        client, session_event(pending_topup, event_id="evt_b", type="checkout.session.async_payment_succeeded")
    )
    assert response.content == b"ignored: already credited"
    assert snapshot() == before
    assert main_cents(user) == 5000


def test_p1_forged_signature_is_400_and_changes_nothing(client, pending_topup, user):
    before = snapshot()
    payload = session_event(pending_topup)
    response = post_webhook(client, payload, signature=sign(payload, secret="whsec_wrong"))
    assert response.status_code == 400
    response = post_webhook(client, payload, signature="")
    assert response.status_code == 400
    assert snapshot() == before
    assert not StripeEvent.objects.exists()
    assert main_cents(user) == 0


def test_p1_tampered_body_with_a_valid_old_signature_is_400(client, pending_topup, user):
    payload = session_event(pending_topup)
    header = sign(payload)
    tampered = payload.replace('"amount_total": 5000', '"amount_total": 500000')
    assert post_webhook(client, tampered, signature=header).status_code == 400
    assert main_cents(user) == 0


def test_p1_stale_signed_event_is_400(client, pending_topup, user):
    payload = session_event(pending_topup)
    response = post_webhook(client, payload, timestamp=time.time() - 3600)
    assert response.status_code == 400
    assert main_cents(user) == 0 and not StripeEvent.objects.exists()


def test_p1_webhook_without_configured_secret_is_400(client, pending_topup, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = session_event(pending_topup)
    assert post_webhook(client, payload, signature=sign(payload, secret="")).status_code == 400


def test_p1_unpaid_completed_session_waits_then_async_success_credits(client, pending_topup, user):
    response = post_webhook(client, session_event(pending_topup, payment_status="unpaid"))
    assert response.content == b"waiting: payment not finished"
    assert main_cents(user) == 0
    response = post_webhook(
        client, session_event(pending_topup, event_id="evt_2", type="checkout.session.async_payment_succeeded")
    )
    assert response.content == b"credited"
    assert main_cents(user) == 5000


def test_p1_out_of_order_success_before_completed_credits_once(client, pending_topup, user):
    post_webhook(
        client, session_event(pending_topup, event_id="evt_2", type="checkout.session.async_payment_succeeded")
    )
    response = post_webhook(client, session_event(pending_topup, event_id="evt_1"))
    assert response.content == b"ignored: already credited"
    assert main_cents(user) == 5000


def test_p1_async_failure_marks_the_top_up_failed_and_credits_nothing(client, pending_topup, user):
    post_webhook(client, session_event(pending_topup, payment_status="unpaid"))
    response = post_webhook(
        client, session_event(pending_topup, event_id="evt_f", type="checkout.session.async_payment_failed")
    )
    assert response.content == b"top-up failed"
    pending_topup.refresh_from_db()
    assert pending_topup.status == TopUp.Status.FAILED
    assert main_cents(user) == 0


def test_p1_late_failure_after_credit_changes_nothing(client, pending_topup, user):
    post_webhook(client, session_event(pending_topup))
    before = snapshot()
    post_webhook(
        client, session_event(pending_topup, event_id="evt_f", type="checkout.session.async_payment_failed")
    )
    assert snapshot() == before
    pending_topup.refresh_from_db()
    assert pending_topup.status == TopUp.Status.CREDITED


def test_p1_amount_or_currency_mismatch_is_not_credited(client, pending_topup, user):
    assert post_webhook(client, session_event(pending_topup, amount=500000)).content == b"ignored: amount mismatch"
    assert (
        post_webhook(client, session_event(pending_topup, event_id="e2", currency="eur")).content
        == b"ignored: amount mismatch"
    )
    assert main_cents(user) == 0


def test_p1_session_of_someone_else_or_unknown_is_ignored(client, pending_topup, user, other_user):
    before = snapshot()
    assert (
        post_webhook(client, session_event(pending_topup, user_id=other_user.pk)).content
        == b"ignored: unknown session"
    )
    assert (
        post_webhook(client, session_event(pending_topup, event_id="e2", session_id="cs_other")).content
        == b"ignored: unknown session"
    )
    assert snapshot() == before


def test_p1_missing_card_details_still_credit(client, pending_topup, user, monkeypatch):
    monkeypatch.setattr(stripe_client, "card_of_payment_intent", lambda pi: ("", ""))
    post_webhook(client, session_event(pending_topup))
    pending_topup.refresh_from_db()
    assert pending_topup.status == TopUp.Status.CREDITED and pending_topup.card_fingerprint == ""


def test_p1_card_fingerprint_read_from_the_payment_intents_latest_charge(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    card = mock.Mock(fingerprint="fp_z", last4="1881")
    intent = mock.Mock()
    intent.latest_charge.payment_method_details.card = card
    with mock.patch("stripe.StripeClient") as client_class:
        client_class.return_value.v1.payment_intents.retrieve.return_value = intent
        assert stripe_client.card_of_payment_intent("pi_1") == ("fp_z", "1881")
        client_class.return_value.v1.payment_intents.retrieve.assert_called_once_with(
            "pi_1", params={"expand": ["latest_charge"]}
        )


def test_p1_add_funds_creates_a_checkout_session_for_the_exact_amount(user_client, user, stripe_settings):
    with mock.patch.object(
        stripe_client,
        "checkout_session_create",
        return_value=("cs_new", "https://checkout.stripe.com/c/pay/cs_new"),
    ) as create:
        response = user_client.post("/balance/add/", {"amount": "25.50", "next": "/orders/3/"})
    assert response.status_code == 302 and response["Location"] == "https://checkout.stripe.com/c/pay/cs_new"
    topup = TopUp.objects.get()
    assert (topup.amount_cents, topup.stripe_session_id, topup.status, topup.next_url) == (
        2550,
        "cs_new",
        "pending",
        "/orders/3/",
    )
    kwargs = create.call_args.kwargs
    assert kwargs["topup"] == topup and kwargs["user"] == user
    assert kwargs["success_url"].endswith(f"/balance/add/{topup.pk}/return/")
    assert main_cents(user) == 0  # nothing is credited before Stripe's webhook


def test_p1_checkout_session_params_carry_amount_and_metadata(user, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    topup = TopUp.objects.create(user=user, amount_cents=1234)
    with mock.patch("stripe.StripeClient") as client_class:
        client_class.return_value.v1.checkout.sessions.create.return_value = mock.Mock(id="cs_1", url="https://x")
        stripe_client.checkout_session_create(topup=topup, user=user, success_url="s", cancel_url="c")
    params = client_class.return_value.v1.checkout.sessions.create.call_args.kwargs["params"]
    assert params["line_items"][0]["price_data"]["unit_amount"] == 1234
    assert params["metadata"] == {"user_id": str(user.pk), "topup_id": str(topup.pk)}
    assert (params["success_url"], params["cancel_url"], params["mode"]) == ("s", "c", "payment")


@pytest.mark.parametrize(
    "amount,message",
    [("0", "more than zero"), ("-5", "more than zero"), ("0.50", "smallest top-up"), ("abc", "Enter a number")],
)
def test_p1_bad_top_up_amounts_are_refused_next_to_the_field(user_client, stripe_settings, amount, message):
    with mock.patch.object(stripe_client, "checkout_session_create") as create:
        response = user_client.post("/balance/add/", {"amount": amount})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'value="' + amount + '"' in response.content.decode()  # the input is kept
    create.assert_not_called()
    assert not TopUp.objects.exists()


def test_p1_return_page_waits_then_sends_back_to_next_once_credited(client, user_client, pending_topup, user):
    response = user_client.get(f"/balance/add/{pending_topup.pk}/return/")
    assert response.status_code == 200 and b"Waiting for Stripe to confirm" in response.content
    post_webhook(client, session_event(pending_topup))
    response = user_client.get(f"/balance/add/{pending_topup.pk}/return/")
    assert response.status_code == 302 and response["Location"] == "/orders/7/"


def test_p1_return_page_of_someone_elses_top_up_is_404(client, pending_topup, other_user):
    client.force_login(other_user)
    assert client.get(f"/balance/add/{pending_topup.pk}/return/").status_code == 404


def test_p1_test_mode_top_up_does_not_exist_without_debug(user_client, user):
    before = snapshot()
    response = user_client.post("/balance/add/test/", {"amount": "100"})
    assert response.status_code == 404
    page = user_client.get("/balance/add/")
    assert b"TEST MODE" not in page.content and b"not available" in page.content
    assert snapshot() == before


@override_settings(DEBUG=True)
def test_p1_test_mode_is_on_by_default_with_debug_and_no_stripe_key(user_client, settings):
    settings.STRIPE_SECRET_KEY = ""
    del settings.PAYMENTS_TEST_TOPUP  # not set: the default applies
    page = user_client.get("/balance/add/")
    assert b'class="testmode"' in page.content


@override_settings(DEBUG=True, STRIPE_SECRET_KEY="sk_live_x")
def test_p1_test_mode_is_off_with_a_stripe_key(user_client):
    assert user_client.post("/balance/add/test/", {"amount": "100"}).status_code == 404


def test_p1_production_settings_force_test_mode_off():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "config/settings/production.py").read_text()
    assert "PAYMENTS_TEST_TOPUP = False" in text


def test_p1_o1_test_mode_top_up_credits_and_returns_to_next(user_client, user, settings):
    settings.PAYMENTS_TEST_TOPUP = True
    page = user_client.get(services.topup_url(amount_cents=1250, next_url="/orders/5/"))
    assert b'class="testmode"' in page.content and b'value="12.50"' in page.content
    response = user_client.post("/balance/add/test/", {"amount": "12.50", "next": "/orders/5/"})
    assert response.status_code == 302 and response["Location"] == "/orders/5/"
    assert main_cents(user) == 1250
    assert TopUp.objects.get().is_test


def test_o1_topup_url_keeps_only_a_safe_next(settings):
    url = services.topup_url(amount_cents=777, next_url="/orders/12/")
    assert url.startswith("/balance/add/?") and "amount_cents=777" in url and "next=%2Forders%2F12%2F" in url
    assert "next" not in services.topup_url(amount_cents=777, next_url="https://evil.example/")
    assert "next" not in services.topup_url(amount_cents=777, next_url="//evil.example/")


def test_o1_external_next_is_ignored_after_a_test_top_up(user_client, settings):
    settings.PAYMENTS_TEST_TOPUP = True
    response = user_client.post("/balance/add/test/", {"amount": "10", "next": "https://evil.example/"})
    assert response["Location"] == "/balance/"


def test_p1_stale_check_uses_stripes_tolerance(client, pending_topup, user):
    payload = session_event(pending_topup)
    header = sign(payload)
    with time_machine.travel(time.time() + 301, tick=False):
        assert post_webhook(client, payload, signature=header).status_code == 400
    assert post_webhook(client, payload, signature=header).status_code == 200
    assert main_cents(user) == 5000


def test_p1_webhook_secret_fixture_matches(stripe_settings):
    assert stripe_settings.STRIPE_WEBHOOK_SECRET == WEBHOOK_SECRET


def test_p1_webhook_is_exempt_from_csrf_but_only_accepts_post(pending_topup, user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post_webhook(strict, session_event(pending_topup)).status_code == 200
    assert main_cents(user) == 5000
    assert strict.get("/payments/stripe/webhook/").status_code == 405
