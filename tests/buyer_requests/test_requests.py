"""Q1–Q4 and A4 through the services: posting, moderation, the 24-hour timer, closing, offers and their
refusals (each with its message and nothing changed), ordering offers (O1 escrow, the missing amount), and the
Q2 alerts gathered into one digest per seller."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from accounts.rules import NotificationKind
from buyer_requests import rules, services
from buyer_requests.models import BuyerRequest, RequestAlert, RequestOffer
from common.errors import DomainError
from marketplace import hooks
from offers.models import IndividualOffer
from orders.models import Order
from payments.services import InsufficientFunds
from tests.buyer_requests.conftest import active_request, post_request
from tests.marketplace.factories import KworkFactory
from tests.support import fund, main_of, snapshot

Status = BuyerRequest.Status


def exactly(message):
    return "^" + re.escape(message) + "$"


def starts(message):
    return "^" + re.escape(message)


def at(moment):
    return time_machine.travel(moment, tick=False)


# --- Q1: posting and moderation ------------------------------------------------------------------------


def test_q1_a_buyer_posts_a_request_that_waits_for_a_moderator(buyer, logos):
    request = post_request(buyer, logos)
    assert request.status == Status.PENDING
    assert request.active_until is None
    assert request.budget_cents == 5000


def test_a4_q1_a_request_by_an_unconfirmed_email_is_refused_and_nothing_is_created(buyer, logos):
    EmailAddress.objects.filter(user=buyer).update(verified=False)
    with pytest.raises(DomainError, match=starts("Please confirm your e-mail address before you post a request")):
        post_request(buyer, logos)
    assert not BuyerRequest.objects.exists()


def test_q1_budget_outside_the_named_range_is_refused(buyer, logos):
    with pytest.raises(DomainError, match=starts("The budget must be from")):
        post_request(buyer, logos, budget_cents=rules.BUDGET_MIN_CENTS - 1)
    with pytest.raises(DomainError, match=starts("The budget must be from")):
        post_request(buyer, logos, budget_cents=rules.BUDGET_MAX_CENTS + 1)
    assert not BuyerRequest.objects.exists()


def test_q1_a_top_level_category_is_not_a_subcategory(buyer, design):
    with pytest.raises(DomainError, match=exactly("Choose the subcategory that fits your task.")):
        post_request(buyer, design)


def test_m3_q1_contact_details_in_a_request_are_refused(buyer, logos):
    with pytest.raises(DomainError, match="contains contact details"):
        post_request(buyer, logos, description="Write me at bea@example.com and we talk about the logo.")
    assert not BuyerRequest.objects.exists()


def test_q1_a_buyer_may_have_at_most_the_named_number_of_requests_waiting_or_open(buyer, logos, moderator):
    for _ in range(rules.MAX_OPEN_PER_BUYER):
        post_request(buyer, logos)
    with pytest.raises(DomainError, match=f"^You already have {rules.MAX_OPEN_PER_BUYER} requests"):
        post_request(buyer, logos)
    assert BuyerRequest.objects.count() == rules.MAX_OPEN_PER_BUYER
    services.request_close(request=BuyerRequest.objects.first(), buyer=buyer)
    post_request(buyer, logos)  # a closed one no longer counts


def test_q1_a_moderator_activates_a_request_for_24_hours_and_the_buyer_is_told(buyer, logos, moderator):
    now = timezone.now().replace(microsecond=0)
    with at(now):
        request = active_request(buyer, logos, moderator)
    assert request.status == Status.ACTIVE
    assert request.active_until == now + timedelta(hours=rules.OPEN_HOURS)
    note = Notification.objects.get(user=buyer, kind=NotificationKind.BUYER_REQUEST)
    assert "is published" in note.title


def test_q1_a_moderator_rejects_with_a_reason_the_buyer_sees(buyer, logos, moderator):
    request = post_request(buyer, logos)
    services.request_reject(
        request=request, moderator=moderator, reason="Please describe the task in more detail."
    )
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert request.reject_reason == "Please describe the task in more detail."
    assert Notification.objects.filter(user=buyer, body__contains="more detail").exists()


def test_q1_reject_without_a_reason_and_activating_twice_are_refused(buyer, logos, moderator):
    request = post_request(buyer, logos)
    with pytest.raises(DomainError, match=exactly("Give the buyer a reason for the rejection.")):
        services.request_reject(request=request, moderator=moderator, reason="  ")
    services.request_activate(request=request, moderator=moderator)
    with pytest.raises(DomainError, match=starts("Only a request waiting for moderation can be activated")):
        services.request_activate(request=request, moderator=moderator)


def test_q1_the_24_hour_timer_open_just_before_the_deadline_expired_at_it(
    buyer, logos, moderator, seller, kwork, seller2, banners
):
    start = timezone.now().replace(microsecond=0)
    with at(start):
        request = active_request(buyer, logos, moderator)
    deadline = start + timedelta(hours=rules.OPEN_HOURS)
    with at(deadline - timedelta(seconds=1)):
        assert services.requests_expire() == 0
        request.refresh_from_db()
        assert request.is_open()
        services.request_offer_create(request=request, seller=seller, message="I can do this.", kwork=kwork)
    late = KworkFactory(seller=seller2, category=banners)
    with at(deadline):
        assert not request.is_open()  # the deadline decides, before the sweep runs
        with pytest.raises(DomainError, match=exactly(services.CLOSED_REFUSAL)):
            services.request_offer_create(request=request, seller=seller2, message="Too late.", kwork=late)
        assert services.requests_expire() == 1
    request.refresh_from_db()
    assert request.status == Status.EXPIRED
    assert services.requests_expire(now=deadline + timedelta(hours=1)) == 0  # idempotent


def test_q1_the_sweep_works_in_batches(buyer, logos, moderator, other_user):
    start = timezone.now()
    with at(start):
        for owner in (buyer, other_user):
            for _ in range(3):
                active_request(owner, logos, moderator)
    assert services.requests_expire(now=start + timedelta(hours=rules.OPEN_HOURS), batch_size=2) == 6
    assert not BuyerRequest.objects.filter(status=Status.ACTIVE).exists()


def test_q1_the_buyer_closes_early_and_nobody_else_can(buyer, logos, moderator, seller):
    request = active_request(buyer, logos, moderator)
    with pytest.raises(DomainError, match=exactly("Only the buyer who posted this request can close it.")):
        services.request_close(request=request, buyer=seller)
    services.request_close(request=request, buyer=buyer)
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    with pytest.raises(DomainError, match=exactly("This request is already closed.")):
        services.request_close(request=request, buyer=buyer)


# --- Q3: offers ------------------------------------------------------------------------------------------


def test_q3_a_newbie_answers_with_a_kwork_in_the_requests_category(buyer, logos, moderator, seller, kwork):
    request = active_request(buyer, logos, moderator)
    offer = services.request_offer_create(request=request, seller=seller, message="Here is my Kwork.", kwork=kwork)
    assert offer.kwork == kwork and offer.individual_offer is None
    assert Notification.objects.filter(user=buyer, title__startswith="A new offer").exists()


def test_q3_a_second_offer_on_the_same_request_is_refused_and_nothing_changes(
    buyer, logos, moderator, seller, kwork
):
    request = active_request(buyer, logos, moderator)
    services.request_offer_create(request=request, seller=seller, message="First.", kwork=kwork)
    with pytest.raises(DomainError, match=exactly(services.SECOND_OFFER_REFUSAL)):
        services.request_offer_create(request=request, seller=seller, message="Second.", kwork=kwork)
    assert RequestOffer.objects.count() == 1
    assert RequestOffer.objects.get().message == "First."


@pytest.mark.parametrize("how", ["closed", "expired", "pending", "rejected"])
def test_q3_an_offer_on_a_request_not_open_is_refused(buyer, logos, moderator, seller, kwork, how):
    if how == "pending":
        request = post_request(buyer, logos)
    elif how == "rejected":
        request = services.request_reject(request=post_request(buyer, logos), moderator=moderator, reason="No.")
    else:
        request = active_request(buyer, logos, moderator)
        if how == "closed":
            services.request_close(request=request, buyer=buyer)
        else:
            services.requests_expire(now=request.active_until)
    with pytest.raises(DomainError, match=exactly(services.CLOSED_REFUSAL)):
        services.request_offer_create(request=request, seller=seller, message="Late.", kwork=kwork)
    assert not RequestOffer.objects.exists()


def test_q3_a_newbie_offering_a_kwork_outside_the_category_is_refused(buyer, logos, moderator, seller, writing):
    request = active_request(buyer, logos, moderator)
    elsewhere = KworkFactory(seller=seller, category=writing, title="I will write an article")
    with pytest.raises(
        DomainError,
        match=exactly(
            "“I will write an article” is in another category. Answer with one of your Kworks in Design."
        ),
    ):
        services.request_offer_create(request=request, seller=seller, message="Try this.", kwork=elsewhere)
    assert not RequestOffer.objects.exists()


def test_q3_someone_elses_or_an_inactive_kwork_is_refused(buyer, logos, moderator, seller, seller2, banners):
    request = active_request(buyer, logos, moderator)
    theirs = KworkFactory(seller=seller2, category=banners)
    with pytest.raises(DomainError, match=exactly("Choose one of your own Kworks.")):
        services.request_offer_create(request=request, seller=seller, message="Hi.", kwork=theirs)
    paused = KworkFactory(seller=seller, category=banners, status="paused", title="Paused banner")
    with pytest.raises(DomainError, match=starts("“Paused banner” is not on sale")):
        services.request_offer_create(request=request, seller=seller, message="Hi.", kwork=paused)
    assert not RequestOffer.objects.exists()


def _individual(kwork, **kwargs):
    fields = {
        "kwork": kwork,
        "title": "A logo with three concepts",
        "description": "Three concepts, two rounds of changes, all source files and a small brand sheet.",
        "price_cents": 4000,
        "lead_time_days": 5,
    }
    fields.update(kwargs)
    return fields


def test_q3_c15_r8_a_newbies_individual_offer_is_refused_and_nothing_changes(
    buyer, logos, moderator, seller, kwork, levels
):
    request = active_request(buyer, logos, moderator)
    with pytest.raises(DomainError, match=exactly(services.NEWBIE_INDIVIDUAL_REFUSAL)):
        services.request_offer_create(
            request=request, seller=seller, message="Custom.", individual=_individual(kwork)
        )
    assert not RequestOffer.objects.exists()
    assert not IndividualOffer.objects.exists()


def test_q3_c15_an_advanced_seller_answers_with_an_individual_offer(
    buyer, logos, moderator, seller, kwork, levels
):
    levels[seller.pk] = hooks.ADVANCED
    request = active_request(buyer, logos, moderator)
    offer = services.request_offer_create(
        request=request, seller=seller, message="Custom for you.", individual=_individual(kwork)
    )
    assert offer.kwork is None
    assert offer.individual_offer.buyer == buyer
    assert offer.individual_offer.price_cents == 4000


def test_q3_c15_an_individual_offer_outside_10_to_1000_dollars_is_refused(
    buyer, logos, moderator, seller, kwork, levels
):
    levels[seller.pk] = hooks.PROFESSIONAL
    request = active_request(buyer, logos, moderator)
    with pytest.raises(DomainError, match=starts("The price of an individual offer must be from")):
        services.request_offer_create(
            request=request, seller=seller, message="Custom.", individual=_individual(kwork, price_cents=100_001)
        )
    assert not RequestOffer.objects.exists()


def test_q3_the_buyer_cannot_answer_their_own_request(buyer, logos, moderator, banners):
    own = KworkFactory(seller=buyer, category=banners)
    request = active_request(buyer, logos, moderator)
    with pytest.raises(DomainError, match=exactly("You cannot make an offer on your own request.")):
        services.request_offer_create(request=request, seller=buyer, message="Me.", kwork=own)


# --- Q4: ordering offers ---------------------------------------------------------------------------------


def test_q4_o1_the_buyer_orders_a_kwork_offer_paid_into_escrow(buyer, logos, moderator, seller, kwork):
    request = active_request(buyer, logos, moderator)
    offer = services.request_offer_create(request=request, seller=seller, message="Mine.", kwork=kwork)
    fund(buyer, 2500)
    order = services.request_offer_order(offer=offer, buyer=buyer)
    assert order.kwork == kwork and order.total_cents == 2500 and order.buyer == buyer
    assert main_of(buyer) == 0
    offer.refresh_from_db()
    assert offer.order == order
    assert services.request_offer_order(offer=offer, buyer=buyer) == order  # a double click: the same order
    assert Order.objects.count() == 1


def test_q4_o1_too_little_money_raises_the_missing_amount_and_nothing_changes(
    buyer, logos, moderator, seller, kwork
):
    request = active_request(buyer, logos, moderator)
    offer = services.request_offer_create(request=request, seller=seller, message="Mine.", kwork=kwork)
    fund(buyer, 1000)
    before = snapshot()
    with pytest.raises(InsufficientFunds) as caught:
        services.request_offer_order(offer=offer, buyer=buyer)
    assert caught.value.missing_cents == 1500
    assert snapshot() == before
    offer.refresh_from_db()
    assert offer.order is None
    fund(buyer, 1500)  # the missing amount added: the same click now orders
    assert services.request_offer_order(offer=offer, buyer=buyer).total_cents == 2500


def test_q4_several_offers_ordered_also_after_the_request_expired(
    buyer, logos, moderator, seller, seller2, kwork, banners, levels
):
    levels[seller2.pk] = hooks.ADVANCED
    request = active_request(buyer, logos, moderator)
    first = services.request_offer_create(request=request, seller=seller, message="Kwork.", kwork=kwork)
    base = KworkFactory(seller=seller2, category=banners)
    second = services.request_offer_create(
        request=request, seller=seller2, message="Custom.", individual=_individual(base)
    )
    services.requests_expire(now=request.active_until)
    request.refresh_from_db()
    assert request.status == Status.EXPIRED
    fund(buyer, 2500 + 4000)
    one = services.request_offer_order(offer=first, buyer=buyer)
    two = services.request_offer_order(offer=second, buyer=buyer)
    assert {one.seller, two.seller} == {seller, seller2}
    assert two.total_cents == 4000 and two.lead_time_days == 5
    second.refresh_from_db()
    assert second.individual_offer.status == IndividualOffer.Status.ACCEPTED
    assert main_of(buyer) == 0


def test_q4_only_the_requests_buyer_orders_its_offers(buyer, logos, moderator, seller, seller2, kwork):
    request = active_request(buyer, logos, moderator)
    offer = services.request_offer_create(request=request, seller=seller, message="Mine.", kwork=kwork)
    fund(seller2, 5000)
    with pytest.raises(DomainError, match=exactly("Only the buyer who posted the request can order its offers.")):
        services.request_offer_order(offer=offer, buyer=seller2)
    assert not Order.objects.exists()


# --- Q2: alerts and digests ------------------------------------------------------------------------------


def test_q2_subscribed_sellers_get_one_digest_per_interval_in_site_and_by_email(
    buyer,
    other_user,
    logos,
    banners,
    writing,
    design,
    moderator,
    seller,
    seller2,
    django_capture_on_commit_callbacks,
):
    services.subscriptions_set(seller=seller, categories=[design])  # a category covers its subcategories
    services.subscriptions_set(seller=seller2, categories=[writing])
    for subcategory in (logos, banners, logos):
        active_request(other_user if subcategory == banners else buyer, subcategory, moderator)
    post_request(buyer, logos)  # waiting for moderation: nobody hears of it
    assert RequestAlert.objects.filter(seller=seller).count() == 3
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_digests_send() == 1
    digest = Notification.objects.get(user=seller, kind=NotificationKind.REQUEST_DIGEST)
    assert digest.title == "3 new requests from buyers in your categories"
    assert not Notification.objects.filter(user=seller2, kind=NotificationKind.REQUEST_DIGEST).exists()
    assert [message.to for message in mail.outbox] == [[seller.email]]
    assert services.request_digests_send() == 0  # nothing new: no second digest


def test_q2_the_buyer_is_not_alerted_of_their_own_request_and_closed_ones_are_left_out(
    buyer, logos, design, moderator, seller
):
    services.subscriptions_set(seller=seller, categories=[design])
    services.subscriptions_set(seller=buyer, categories=[design])
    request = active_request(buyer, logos, moderator)
    services.request_close(request=request, buyer=buyer)
    assert not RequestAlert.objects.filter(seller=buyer).exists()
    assert services.request_digests_send() == 0
    assert not RequestAlert.objects.filter(sent_at__isnull=True).exists()


def test_q2_subscriptions_are_replaced_by_the_new_choice(seller, design, writing):
    services.subscriptions_set(seller=seller, categories=[design, writing])
    services.subscriptions_set(seller=seller, categories=[writing])
    assert list(seller.request_subscriptions.values_list("category", flat=True)) == [writing.pk]
