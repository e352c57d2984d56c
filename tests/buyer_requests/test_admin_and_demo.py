"""Q1 in the admin: moderators activate or reject (with a reason) through the services; a refusal is reported
per row. The demo data: a request in the moderators' queue and a published one with an offer. The beat
schedule names both timers."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from buyer_requests.models import BuyerRequest, RequestOffer
from config.celery import build_beat_schedule
from tests.buyer_requests.conftest import post_request

Status = BuyerRequest.Status


def _action(client, action, ids, **extra):
    return client.post(
        reverse("admin:buyer_requests_buyerrequest_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in ids], **extra},
        follow=True,
    )


def test_q1_a_moderator_activates_in_the_admin_and_a_second_activation_is_reported(
    client, buyer, logos, moderator
):
    waiting = post_request(buyer, logos)
    client.force_login(moderator)
    assert client.get(reverse("admin:buyer_requests_buyerrequest_changelist")).status_code == 200
    assert client.get(reverse("admin:buyer_requests_buyerrequest_change", args=[waiting.pk])).status_code == 200
    page = _action(client, "activate", [waiting.pk]).content.decode()
    assert "Activated 1 request." in page
    waiting.refresh_from_db()
    assert waiting.status == Status.ACTIVE and waiting.moderated_by == moderator
    page = _action(client, "activate", [waiting.pk]).content.decode()
    assert f"Buyer request #{waiting.pk}: Only a request waiting for moderation can be activated" in page


def test_q1_a_moderator_rejects_with_a_reason_in_the_admin(client, buyer, logos, moderator):
    waiting = post_request(buyer, logos)
    client.force_login(moderator)
    form = _action(client, "reject", [waiting.pk]).content.decode()
    assert "Reason the buyer sees" in form
    _action(client, "reject", [waiting.pk], apply="1", reason="Please add what the logo should show.")
    waiting.refresh_from_db()
    assert waiting.status == Status.REJECTED
    assert waiting.reject_reason == "Please add what the logo should show."


def test_q1_nobody_else_reaches_the_admin_screen(client, buyer, logos):
    post_request(buyer, logos)
    client.force_login(buyer)
    response = client.get(reverse("admin:buyer_requests_buyerrequest_changelist"))
    assert response.status_code in (302, 403)


@pytest.mark.slow
def test_demo_has_a_request_to_moderate_and_a_published_one_with_an_offer(db):
    call_command("seed_demo", stdout=io.StringIO())
    assert BuyerRequest.objects.filter(buyer__username="bella", status=Status.PENDING).exists()
    published = BuyerRequest.objects.get(buyer__username="bella", status=Status.ACTIVE)
    assert RequestOffer.objects.filter(request=published, seller__username="sergio").exists()
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert BuyerRequest.objects.filter(buyer__username="bella").count() == 2


def test_q1_q2_the_timers_are_in_the_beat_schedule():
    tasks = {entry["task"] for entry in build_beat_schedule().values()}
    assert {"buyer_requests.tasks.requests_expire", "buyer_requests.tasks.request_digests_send"} <= tasks
