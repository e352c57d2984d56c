"""PostgreSQL: racing writes on buyer requests end with exactly one outcome — two offers of one seller at once
(Q3: one per seller), two posts at the open-requests limit (Q1), two expiry sweeps at once, and the buyer
ordering one offer twice at once (Q4: one order, one escrow hold)."""

import pytest
from django.utils import timezone

from buyer_requests import rules, services
from buyer_requests.models import BuyerRequest, RequestOffer
from common.errors import DomainError
from orders.models import Order
from tests.buyer_requests.conftest import active_request, post_request
from tests.concurrency import race
from tests.support import fund, main_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_q3_two_offers_of_one_seller_at_once_make_one(buyer, logos, moderator, seller, kwork):
    request = active_request(buyer, logos, moderator)
    results = race(
        *[
            lambda text=text: services.request_offer_create(
                request=request, seller=seller, message=text, kwork=kwork
            )
            for text in ("One.", "Two.")
        ]
    )
    assert sum(isinstance(r, RequestOffer) for r in results) == 1
    refused = [r for r in results if isinstance(r, DomainError)]
    assert [r.message for r in refused] == [services.SECOND_OFFER_REFUSAL]
    assert RequestOffer.objects.count() == 1


def test_q1_two_posts_at_the_limit_at_once_make_one(buyer, logos):
    for _ in range(rules.MAX_OPEN_PER_BUYER - 1):
        post_request(buyer, logos)
    results = race(lambda: post_request(buyer, logos), lambda: post_request(buyer, logos))
    assert sum(isinstance(r, BuyerRequest) for r in results) == 1
    assert BuyerRequest.objects.count() == rules.MAX_OPEN_PER_BUYER


def test_q1_two_sweeps_at_once_expire_each_request_once(buyer, other_user, logos, moderator):
    for owner in (buyer, other_user):
        for _ in range(rules.MAX_OPEN_PER_BUYER):
            active_request(owner, logos, moderator)
    later = timezone.now() + timezone.timedelta(hours=rules.OPEN_HOURS)
    results = race(
        lambda: services.requests_expire(now=later, batch_size=3),
        lambda: services.requests_expire(now=later, batch_size=3),
    )
    assert sum(results) == 2 * rules.MAX_OPEN_PER_BUYER
    assert BuyerRequest.objects.filter(status=BuyerRequest.Status.EXPIRED).count() == 2 * rules.MAX_OPEN_PER_BUYER


def test_q4_ordering_one_offer_twice_at_once_makes_one_order(buyer, logos, moderator, seller, kwork):
    request = active_request(buyer, logos, moderator)
    offer = services.request_offer_create(request=request, seller=seller, message="Mine.", kwork=kwork)
    fund(buyer, 2 * kwork.price_cents)
    results = race(
        lambda: services.request_offer_order(offer=offer, buyer=buyer),
        lambda: services.request_offer_order(offer=offer, buyer=buyer),
    )
    assert all(isinstance(r, Order) for r in results), results
    assert results[0].pk == results[1].pk
    assert Order.objects.count() == 1
    assert main_of(buyer) == kwork.price_cents
