"""C15 / R8 / Q3: individual offers through the services — who may send one, its bounds, one pending per
conversation, withdrawing, accepting (O1 through the orders' placement and escrow), expiry on both sides of the
deadline. Every refusal says why and changes nothing."""

from datetime import timedelta

import pytest
import time_machine

from common import dates
from common.errors import DomainError
from marketplace import hooks
from messaging.models import Message
from offers import rules, services
from offers.models import IndividualOffer
from orders.models import Order
from payments.services import InsufficientFunds
from tests.marketplace.factories import KworkFactory
from tests.offers.conftest import OFFER, make_offer, person
from tests.support import fund, main_of, snapshot

Status = IndividualOffer.Status


def _offers_state():
    return (
        tuple(IndividualOffer.objects.order_by("pk").values_list("pk", "status", "order_id", "decided_at")),
        Message.objects.count(),
        snapshot(),
    )


def refused(message, call):
    before = _offers_state()
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.message == message
    assert _offers_state() == before


# --- sending ---------------------------------------------------------------------------------------------


def test_c15_advanced_seller_sends_a_frozen_offer_in_the_conversation(
    advanced, seller, buyer, kwork, conversation
):
    offer = make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation)
    offer.refresh_from_db()
    assert offer.status == Status.PENDING
    assert (offer.price_cents, offer.lead_time_days, offer.title) == (25_000, 5, OFFER["title"])
    assert offer.expires_at - offer.created_at == timedelta(days=rules.EXPIRY_DEFAULT_DAYS)
    # The thread shows it through the seller's message.
    assert offer.message.conversation_id == conversation.pk
    assert offer.message.author_id == seller.pk
    assert Message.objects.get(pk=offer.message_id).offer == offer


def test_c15_professional_seller_may_send_one_too(set_level, seller, buyer, kwork, conversation):
    set_level(hooks.PROFESSIONAL)
    assert make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation).pk


def test_c15_r8_newbie_is_refused(set_level, seller, buyer, kwork, conversation):
    set_level(hooks.NEWBIE)
    refused(
        services.NEWBIE_REFUSAL,
        lambda: make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation),
    )
    assert services.NEWBIE_REFUSAL.startswith("Individual offers are for Advanced and Professional sellers.")


def test_c15_r8_every_seller_is_a_newbie_until_the_level_is_known(set_level, seller, buyer, kwork, conversation):
    hooks.unregister("seller_level")
    refused(
        services.NEWBIE_REFUSAL,
        lambda: make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation),
    )


PRICE_REFUSAL = "The price of an individual offer must be from $10.00 to $1,000.00."


@pytest.mark.parametrize("price_cents", [999, 0, -1000, 100_001, 10**20])
def test_c15_price_outside_10_to_1000_is_refused(advanced, seller, buyer, kwork, conversation, price_cents):
    refused(
        PRICE_REFUSAL,
        lambda: make_offer(
            seller=seller, buyer=buyer, kwork=kwork, conversation=conversation, price_cents=price_cents
        ),
    )


@pytest.mark.parametrize("price_cents", [rules.PRICE_MIN_CENTS, rules.PRICE_MAX_CENTS])
def test_c15_price_bounds_themselves_are_allowed(advanced, seller, buyer, kwork, price_cents):
    assert make_offer(seller=seller, buyer=buyer, kwork=kwork, price_cents=price_cents).price_cents == price_cents


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lead_time_days": 0}, "The lead time must be from 1 to 30 days."),
        ({"lead_time_days": 31}, "The lead time must be from 1 to 30 days."),
        ({"expires_in_days": 0}, "The offer may stay open from 1 to 14 days."),
        ({"expires_in_days": 15}, "The offer may stay open from 1 to 14 days."),
        ({"title": "Logo"}, "The offer's title is too short: at least 5 characters."),
        ({"description": "Too short"}, "The offer's description is too short: at least 20 characters."),
        ({"lead_time_days": "soon"}, "Give the lead time in whole days."),
    ],
)
def test_c15_bounds_of_lead_time_expiry_and_texts(
    advanced, seller, buyer, kwork, conversation, overrides, message
):
    refused(
        message,
        lambda: make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation, **overrides),
    )


def test_c15_m3_contact_details_in_the_offer_are_refused(advanced, seller, buyer, kwork, conversation):
    with pytest.raises(DomainError) as caught:
        make_offer(
            seller=seller,
            buyer=buyer,
            kwork=kwork,
            conversation=conversation,
            description="Write to me at someone@example.com and we settle it there.",
        )
    assert "contains contact details" in caught.value.message
    assert not IndividualOffer.objects.exists()


def test_c15_offer_is_built_on_an_own_active_kwork(advanced, seller, buyer, kwork, conversation):
    strangers = KworkFactory()
    refused(
        "Choose one of your own Kworks to build the offer on.",
        lambda: make_offer(seller=seller, buyer=buyer, kwork=strangers, conversation=conversation),
    )
    paused = KworkFactory(seller=seller, status="paused")
    refused(
        f"“{paused.title}” is not on sale, so an offer cannot be built on it. Choose an active Kwork.",
        lambda: make_offer(seller=seller, buyer=buyer, kwork=paused, conversation=conversation),
    )


def test_c15_no_offer_to_oneself_nor_in_someone_elses_conversation(advanced, seller, buyer, kwork, conversation):
    refused(
        "You cannot send an individual offer to yourself.",
        lambda: make_offer(seller=seller, buyer=seller, kwork=kwork),
    )
    other_buyer = person()
    refused(
        "You can send an offer only in your own conversation with this buyer.",
        lambda: make_offer(seller=seller, buyer=other_buyer, kwork=kwork, conversation=conversation),
    )


def test_c15_a_second_pending_offer_in_a_conversation_is_refused(offer, seller, buyer, kwork, conversation):
    refused(
        services.ONE_PENDING,
        lambda: make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation),
    )
    # Withdrawn, the next one may go.
    services.offer_withdraw(offer=offer, seller=seller)
    assert make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation).status == Status.PENDING


def test_c15_an_offer_past_its_expiry_does_not_block_the_next_one(offer, seller, buyer, kwork, conversation):
    with time_machine.travel(offer.expires_at + timedelta(seconds=1), tick=False):
        second = make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation)
    offer.refresh_from_db()
    assert offer.status == Status.EXPIRED
    assert second.status == Status.PENDING


def test_c15_q3_an_offer_without_conversation_for_buyer_requests(advanced, seller, buyer, kwork):
    offer = make_offer(seller=seller, buyer=buyer, kwork=kwork)
    assert offer.conversation_id is None and offer.message_id is None
    # No conversation: several may wait at once (each request gets its own).
    assert make_offer(seller=seller, buyer=buyer, kwork=kwork).pk != offer.pk


# --- withdrawing ------------------------------------------------------------------------------------------


def test_c15_seller_withdraws_a_pending_offer(offer, seller):
    services.offer_withdraw(offer=offer, seller=seller)
    offer.refresh_from_db()
    assert offer.status == Status.WITHDRAWN
    assert offer.decided_at is not None


def test_c15_only_the_seller_withdraws(offer, buyer):
    refused(
        "Only the seller who sent this offer can withdraw it.",
        lambda: services.offer_withdraw(offer=offer, seller=buyer),
    )
    refused(
        "Only the seller who sent this offer can withdraw it.",
        lambda: services.offer_withdraw(offer=offer, seller=person()),
    )


def test_c15_an_accepted_offer_cannot_be_withdrawn(offer, seller, buyer):
    fund(buyer, offer.price_cents)
    order = services.offer_accept(offer=offer, buyer=buyer)
    refused(
        f"This offer is already accepted: it is order #{order.pk}.",
        lambda: services.offer_withdraw(offer=offer, seller=seller),
    )


# --- accepting --------------------------------------------------------------------------------------------


def test_c15_o1_accepting_places_the_order_with_the_offers_price_and_lead_time(offer, seller, buyer, kwork):
    fund(buyer, 30_000)
    order = services.offer_accept(offer=offer, buyer=buyer)
    order = Order.objects.select_related("escrow_hold").get(pk=order.pk)
    assert (order.buyer_id, order.seller_id, order.kwork_id) == (buyer.pk, seller.pk, kwork.pk)
    assert (order.title, order.total_cents, order.lead_time_days) == (offer.title, 25_000, 5)
    assert order.status == Order.Status.NEW
    assert order.escrow_hold.amount_cents == 25_000
    assert main_of(buyer) == 5_000
    assert [(line.kind, line.amount_cents) for line in order.lines.all()] == [("unit", 25_000)]
    offer.refresh_from_db()
    assert (offer.status, offer.order_id) == (Status.ACCEPTED, order.pk)
    # A second click returns the same order and pays nothing more.
    assert services.offer_accept(offer=offer, buyer=buyer).pk == order.pk
    assert main_of(buyer) == 5_000 and Order.objects.count() == 1


def test_c15_o1_too_little_money_leaves_everything_as_it_was(offer, buyer):
    fund(buyer, 10_000)
    before = _offers_state()
    with pytest.raises(InsufficientFunds) as caught:
        services.offer_accept(offer=offer, buyer=buyer)
    assert caught.value.missing_cents == 15_000
    assert _offers_state() == before
    fund(buyer, 15_000)
    assert services.offer_accept(offer=offer, buyer=buyer).total_cents == 25_000


def test_c15_accepting_a_withdrawn_offer_is_refused(offer, seller, buyer):
    fund(buyer, 30_000)
    services.offer_withdraw(offer=offer, seller=seller)
    refused(
        "The seller has withdrawn this offer, so it can no longer be accepted.",
        lambda: services.offer_accept(offer=offer, buyer=buyer),
    )


def test_c15_a_stranger_cannot_accept(offer):
    stranger = person()
    fund(stranger, 30_000)
    refused("This offer was made to someone else.", lambda: services.offer_accept(offer=offer, buyer=stranger))


def test_c15_the_seller_cannot_accept_their_own_offer(offer, seller):
    fund(seller, 30_000)
    refused("You cannot accept your own offer.", lambda: services.offer_accept(offer=offer, buyer=seller))


def test_c15_accepting_needs_an_orderable_kwork(offer, buyer, kwork):
    fund(buyer, 30_000)
    kwork.status = "paused"
    kwork.save(update_fields=["status"])
    refused(
        "The seller has paused this Kwork; it cannot be ordered now.",
        lambda: services.offer_accept(offer=offer, buyer=buyer),
    )


# --- expiry -----------------------------------------------------------------------------------------------


def _expired_message(offer):
    return f"This offer expired on {dates.format_datetime(offer.expires_at, show_zone=True)}. Ask the seller for a new one."


def test_c15_expiry_accepting_just_before_the_deadline_works(offer, buyer):
    fund(buyer, 30_000)
    with time_machine.travel(offer.expires_at - timedelta(seconds=1), tick=False):
        assert services.offer_accept(offer=offer, buyer=buyer).pk


def test_c15_expiry_accepting_after_the_deadline_is_refused_before_the_sweep(offer, buyer):
    fund(buyer, 30_000)
    with time_machine.travel(offer.expires_at, tick=False):
        refused(_expired_message(offer), lambda: services.offer_accept(offer=offer, buyer=buyer))
        assert IndividualOffer.objects.get(pk=offer.pk).status == Status.PENDING  # the sweep has not run
        assert IndividualOffer.objects.get(pk=offer.pk).current_status == Status.EXPIRED  # but pages say so


def test_c15_expiry_sweep_marks_only_offers_past_their_deadline(offer, advanced, seller, buyer, kwork):
    later = make_offer(seller=seller, buyer=buyer, kwork=kwork, expires_in_days=rules.EXPIRY_DEFAULT_DAYS + 1)
    assert services.offers_expire(now=offer.expires_at - timedelta(seconds=1)) == 0
    assert services.offers_expire(now=offer.expires_at) == 1
    assert IndividualOffer.objects.get(pk=offer.pk).status == Status.EXPIRED
    assert IndividualOffer.objects.get(pk=later.pk).status == Status.PENDING
    assert services.offers_expire(now=offer.expires_at) == 0  # idempotent


def test_c15_expiry_sweep_in_batches_leaves_withdrawn_and_accepted_alone(advanced, seller, kwork):
    buyers = [person() for _ in range(5)]
    offers = [make_offer(seller=seller, buyer=b, kwork=kwork) for b in buyers]
    services.offer_withdraw(offer=offers[0], seller=seller)
    fund(buyers[1], 30_000)
    services.offer_accept(offer=offers[1], buyer=buyers[1])
    at = offers[-1].expires_at + timedelta(minutes=1)
    assert services.offers_expire(now=at, batch_size=2) == 3
    assert list(IndividualOffer.objects.order_by("pk").values_list("status", flat=True)) == [
        Status.WITHDRAWN,
        Status.ACCEPTED,
        Status.EXPIRED,
        Status.EXPIRED,
        Status.EXPIRED,
    ]


def test_c15_accepting_an_expired_offer_is_refused_after_the_sweep(offer, buyer):
    fund(buyer, 30_000)
    with time_machine.travel(offer.expires_at + timedelta(hours=1), tick=False):
        services.offers_expire()
        refused(_expired_message(offer), lambda: services.offer_accept(offer=offer, buyer=buyer))
