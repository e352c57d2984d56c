"""C15 pages: the seller's offer form in a conversation, the offer card (accept / withdraw), the buyer's view,
the list, and "ask for an individual offer" — every endpoint against every role (seller, buyer, stranger,
moderator, support, anonymous); query counts equal for 1 and 50 offers."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from marketplace import hooks
from messaging.models import Message
from offers import rules, services
from offers.models import IndividualOffer
from orders.models import Order
from tests.factories import UserFactory, in_group, verified
from tests.offers.conftest import OFFER, make_offer, person
from tests.support import fund

Status = IndividualOffer.Status


@pytest.fixture
def moderator(db):
    return in_group(verified(UserFactory(is_staff=True)), "Moderators")


@pytest.fixture
def support(db):
    return in_group(verified(UserFactory()), "Support")


@pytest.fixture
def stranger(db):
    return person()


def _as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


FORM = {
    "title": OFFER["title"],
    "description": OFFER["description"],
    "price": "250.00",
    "lead_time_days": "5",
    "expires_in_days": str(rules.EXPIRY_DEFAULT_DAYS),
}


# --- the seller's form ------------------------------------------------------------------------------------


def test_c15_seller_sends_an_offer_from_the_conversation(client, advanced, seller, buyer, kwork, conversation):
    url = reverse("offers:create", args=[conversation.pk])
    _as(client, seller)
    page = client.get(url)
    assert page.status_code == 200
    assert b'data-testid="offer-form"' in page.content
    response = client.post(url, {**FORM, "kwork": kwork.pk})
    assert response.status_code == 302
    assert response.url == reverse("messaging:conversation", args=[conversation.pk])
    offer = IndividualOffer.objects.get()
    assert (offer.buyer_id, offer.price_cents, offer.lead_time_days) == (buyer.pk, 25_000, 5)
    assert offer.message.conversation_id == conversation.pk


def test_c15_r8_newbie_sees_why_and_cannot_post(client, set_level, seller, buyer, kwork, conversation):
    set_level(hooks.NEWBIE)
    url = reverse("offers:create", args=[conversation.pk])
    _as(client, seller)
    page = client.get(url)
    assert services.NEWBIE_REFUSAL in page.content.decode()
    assert b'data-testid="offer-form"' not in page.content
    client.post(url, {**FORM, "kwork": kwork.pk})
    assert not IndividualOffer.objects.exists()


def test_c15_form_shows_the_price_refusal_next_to_the_field_and_keeps_the_input(
    client, advanced, seller, kwork, conversation
):
    _as(client, seller)
    response = client.post(
        reverse("offers:create", args=[conversation.pk]), {**FORM, "price": "1000.01", "kwork": kwork.pk}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The price of an individual offer must be from $10.00 to $1,000.00." in html
    assert OFFER["description"] in html
    assert not IndividualOffer.objects.exists()


def test_c15_second_pending_offer_refused_in_the_form(client, offer, seller, kwork, conversation):
    _as(client, seller)
    response = client.post(reverse("offers:create", args=[conversation.pk]), {**FORM, "kwork": kwork.pk})
    assert response.status_code == 400
    assert escape(services.ONE_PENDING) in response.content.decode()
    assert IndividualOffer.objects.count() == 1


@pytest.mark.parametrize("role", ["buyer", "stranger", "moderator", "support"])
def test_c15_only_the_seller_of_the_conversation_opens_the_form(
    client, advanced, seller, buyer, kwork, conversation, stranger, moderator, support, role
):
    who = {"buyer": buyer, "stranger": stranger, "moderator": moderator, "support": support}[role]
    url = reverse("offers:create", args=[conversation.pk])
    _as(client, who)
    assert client.get(url).status_code == 404
    assert client.post(url, {**FORM, "kwork": kwork.pk}).status_code == 404
    assert not IndividualOffer.objects.exists()


def test_c15_anonymous_is_sent_to_log_in(client, conversation, offer):
    _as(client, None)
    for url in (
        reverse("offers:create", args=[conversation.pk]),
        reverse("offers:detail", args=[offer.pk]),
        reverse("offers:index"),
        reverse("offers:ask", args=[offer.seller.username]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    for name in ("offers:accept", "offers:withdraw"):
        response = client.post(reverse(name, args=[offer.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response.url
    assert IndividualOffer.objects.get().status == Status.PENDING


# --- the offer card: buyer's view, seller's view ----------------------------------------------------------


def test_c15_buyer_sees_accept_seller_sees_withdraw(client, offer, seller, buyer):
    url = reverse("offers:detail", args=[offer.pk])
    html = _as(client, buyer).get(url).content.decode()
    assert 'data-testid="offer-accept"' in html and 'data-testid="offer-withdraw"' not in html
    assert "$250.00" in html and "5 days" in html
    assert "C15" not in html and "25000" not in html
    html = _as(client, seller).get(url).content.decode()
    assert 'data-testid="offer-withdraw"' in html and 'data-testid="offer-accept"' not in html


@pytest.mark.parametrize("role", ["stranger", "moderator", "support"])
def test_c15_others_get_404_on_the_offer_and_its_actions(client, offer, stranger, moderator, support, role):
    who = {"stranger": stranger, "moderator": moderator, "support": support}[role]
    fund(who, 30_000)
    _as(client, who)
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 404
    assert client.post(reverse("offers:accept", args=[offer.pk])).status_code == 404
    assert client.post(reverse("offers:withdraw", args=[offer.pk])).status_code == 404
    assert IndividualOffer.objects.get().status == Status.PENDING
    assert not Order.objects.exists()


def test_c15_buyer_accepts_on_the_page_and_lands_on_the_order(client, offer, buyer):
    fund(buyer, 25_000)
    response = _as(client, buyer).post(reverse("offers:accept", args=[offer.pk]))
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == reverse("orders:detail", args=[order.pk])
    html = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert 'data-status="accepted"' in html and f"Order #{order.pk}" in html


def test_c15_o1_too_little_money_sends_the_buyer_to_add_the_missing_amount(client, offer, buyer):
    fund(buyer, 5_000)
    response = _as(client, buyer).post(reverse("offers:accept", args=[offer.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("payments:topup"))
    assert "amount_cents=20000" in response.url
    assert f"next=%2Foffers%2F{offer.pk}%2F" in response.url
    assert not Order.objects.exists()
    assert IndividualOffer.objects.get().status == Status.PENDING


def test_c15_seller_cannot_accept_buyer_cannot_withdraw_on_the_pages(client, offer, seller, buyer):
    fund(seller, 30_000)
    response = _as(client, seller).post(reverse("offers:accept", args=[offer.pk]), follow=True)
    assert "You cannot accept your own offer." in response.content.decode()
    response = _as(client, buyer).post(reverse("offers:withdraw", args=[offer.pk]), follow=True)
    assert "Only the seller who sent this offer can withdraw it." in response.content.decode()
    assert IndividualOffer.objects.get().status == Status.PENDING
    assert not Order.objects.exists()


def test_c15_withdraw_on_the_page_then_accept_is_refused_with_its_message(client, offer, seller, buyer):
    response = _as(client, seller).post(reverse("offers:withdraw", args=[offer.pk]))
    assert response.status_code == 302
    assert response.url == reverse("messaging:conversation", args=[offer.conversation_id])
    fund(buyer, 30_000)
    response = _as(client, buyer).post(reverse("offers:accept", args=[offer.pk]), follow=True)
    assert "The seller has withdrawn this offer, so it can no longer be accepted." in response.content.decode()
    assert not Order.objects.exists()
    html = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert 'data-status="withdrawn"' in html and 'data-testid="offer-accept"' not in html


def test_c15_expired_offer_shows_expired_and_has_no_buttons(client, offer, buyer):
    url = reverse("offers:detail", args=[offer.pk])
    with time_machine.travel(offer.expires_at - timedelta(seconds=1), tick=False):
        assert 'data-status="pending"' in _as(client, buyer).get(url).content.decode()
    with time_machine.travel(offer.expires_at, tick=False):
        html = _as(client, buyer).get(url).content.decode()
    assert 'data-status="expired"' in html and 'data-testid="offer-accept"' not in html


def test_c15_the_thread_shows_the_offer_card(client, offer, buyer):
    """The conversation page includes templates/offers/partials/offer_card.html for a message with an offer."""
    message = Message.objects.get(pk=offer.message_id)
    assert message.offer == offer
    html = _as(client, buyer).get(reverse("messaging:conversation", args=[offer.conversation_id])).content.decode()
    assert 'data-testid="offer-card"' in html
    assert 'data-testid="offer-accept"' in html


# --- list and query counts --------------------------------------------------------------------------------


def _list_queries(client, user, django_assert_num_queries):
    _as(client, user)
    client.get(reverse("offers:index"))  # warm the session and per-user caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("offers:index"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_c15_offer_list_queries_are_the_same_for_1_and_50(
    client, advanced, seller, kwork, django_assert_num_queries
):
    buyer = person()
    make_offer(seller=seller, buyer=buyer, kwork=kwork)
    one = _list_queries(client, seller, django_assert_num_queries)
    for _ in range(49):
        make_offer(seller=seller, buyer=person(), kwork=kwork)
    assert _list_queries(client, seller, django_assert_num_queries) == one
    html = client.get(reverse("offers:index")).content.decode()
    assert html.count('href="/offers/') >= 20
    assert _list_queries(client, buyer, django_assert_num_queries) <= one


@pytest.mark.parametrize("role", ["seller", "buyer", "stranger", "moderator", "support"])
def test_c15_list_shows_only_ones_own_offers(client, offer, seller, buyer, stranger, moderator, support, role):
    who = {"seller": seller, "buyer": buyer, "stranger": stranger, "moderator": moderator, "support": support}[
        role
    ]
    html = _as(client, who).get(reverse("offers:index")).content.decode()
    assert (offer.title in html) == (role in ("seller", "buyer"))


# --- ask for an individual offer --------------------------------------------------------------------------


def test_c15_buyer_asks_from_the_profile_with_a_prefilled_message(client, advanced, seller, buyer, kwork):
    profile = _as(client, buyer).get(reverse("accounts:profile", args=[seller.username])).content.decode()
    assert reverse("offers:ask", args=[seller.username]) in profile
    page = client.get(reverse("offers:ask", args=[seller.username]))
    assert page.status_code == 200
    assert "I would like an individual offer for something like" in page.content.decode()
    text = "Hello! I would like an individual offer for a logo with three variants."
    response = client.post(reverse("offers:ask", args=[seller.username]), {"text": text})
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.author_id, message.text, message.conversation.seller_id) == (buyer.pk, text, seller.pk)
    assert response.url == reverse("messaging:conversation", args=[message.conversation_id])
    # Asked again: the same conversation.
    client.post(reverse("offers:ask", args=[seller.username]), {"text": text + " Any news?"})
    assert Message.objects.filter(conversation=message.conversation).count() == 2


def test_c15_asking_a_newbie_is_refused_and_nothing_is_sent(client, set_level, seller, buyer, kwork):
    set_level(hooks.NEWBIE)
    response = _as(client, buyer).post(
        reverse("offers:ask", args=[seller.username]), {"text": "An offer please, thanks."}
    )
    assert response.status_code == 400
    assert "cannot send individual offers yet (Newbie sellers cannot)" in response.content.decode()
    assert not Message.objects.exists()


def test_c15_asking_oneself_is_refused_and_no_button_on_ones_own_profile(client, advanced, seller, kwork):
    _as(client, seller)
    profile = client.get(reverse("accounts:profile", args=[seller.username])).content.decode()
    assert 'data-testid="ask-offer"' not in profile
    response = client.post(reverse("offers:ask", args=[seller.username]), {"text": "An offer please, thanks."})
    assert "You cannot ask yourself for an individual offer." in response.content.decode()
    assert not Message.objects.exists()


def test_c15_m3_contact_details_in_the_ask_are_refused_and_kept(client, advanced, seller, buyer, kwork):
    text = "Call me at +1 415 555 0100 about an offer"
    response = _as(client, buyer).post(reverse("offers:ask", args=[seller.username]), {"text": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "contact details" in html and "+1 415 555 0100" in html
    assert not Message.objects.exists()


@pytest.mark.parametrize("role", ["moderator", "support", "stranger"])
def test_c15_ask_page_for_other_roles_opens_and_unknown_seller_is_404(
    client, advanced, seller, kwork, stranger, moderator, support, role
):
    who = {"stranger": stranger, "moderator": moderator, "support": support}[role]
    _as(client, who)
    assert client.get(reverse("offers:ask", args=[seller.username])).status_code == 200
    assert client.get(reverse("offers:ask", args=["nobody-here"])).status_code == 404


def _thread_queries(client, user, conversation):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("messaging:conversation", args=[conversation.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    return len(ctx.captured_queries), html


def test_c15_thread_queries_do_not_grow_with_the_offers_in_it(client, offer, seller, buyer, kwork, conversation):
    _as(client, buyer)
    one, html = _thread_queries(client, buyer, conversation)
    assert 'data-testid="offer-card"' in html
    for _ in range(9):
        services.offer_withdraw(offer=IndividualOffer.objects.get(status=Status.PENDING), seller=seller)
        make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation)
    ten, html = _thread_queries(client, buyer, conversation)
    assert html.count('data-testid="offer-card"') == 10
    assert ten == one
