"""C15 races on PostgreSQL with real threads: the buyer accepting an individual offer while the seller withdraws
it ends with exactly one outcome (one order and one escrow hold, or none); two accepts at once make one order;
the expiry sweep racing an accept; two offers sent at once in one conversation leave one pending."""

from datetime import timedelta

import pytest

from common.errors import DomainError
from marketplace import hooks
from messaging import services as messaging_services
from offers import services
from offers.models import IndividualOffer
from orders.models import Order
from payments.models import EscrowHold
from tests.concurrency import race
from tests.marketplace.factories import KworkFactory
from tests.offers.conftest import make_offer, person
from tests.orders.factories import assert_ledger_ok
from tests.support import fund, main_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 6
Status = IndividualOffer.Status


@pytest.fixture
def pair(advanced):
    seller, buyer = person(), person()
    kwork = KworkFactory(seller=seller)
    return seller, buyer, kwork


def test_c15_accept_racing_withdraw_has_exactly_one_outcome(pair):
    seller, buyer, kwork = pair
    fund(buyer, 25_000 * ROUNDS)
    for _ in range(ROUNDS):
        offer = make_offer(seller=seller, buyer=buyer, kwork=kwork)
        accepted, withdrawn = race(
            lambda o=offer: services.offer_accept(offer=o, buyer=buyer),
            lambda o=offer: services.offer_withdraw(offer=o, seller=seller),
        )
        offer.refresh_from_db()
        orders = Order.objects.filter(individual_offer=offer)
        if offer.status == Status.ACCEPTED:
            assert isinstance(withdrawn, DomainError)
            assert withdrawn.message == f"This offer is already accepted: it is order #{offer.order_id}."
            assert orders.count() == 1 and accepted.pk == offer.order_id
            assert EscrowHold.objects.filter(order__individual_offer=offer).count() == 1
        else:
            assert offer.status == Status.WITHDRAWN
            assert isinstance(accepted, DomainError)
            assert accepted.message == "The seller has withdrawn this offer, so it can no longer be accepted."
            assert orders.count() == 0
    assert main_of(buyer) == 25_000 * (ROUNDS - Order.objects.count())
    assert EscrowHold.objects.count() == Order.objects.count()
    assert_ledger_ok()


def test_c15_two_accepts_at_once_make_one_order(pair):
    seller, buyer, kwork = pair
    fund(buyer, 50_000)
    offer = make_offer(seller=seller, buyer=buyer, kwork=kwork)
    first, second = race(
        lambda: services.offer_accept(offer=offer, buyer=buyer),
        lambda: services.offer_accept(offer=offer, buyer=buyer),
    )
    assert first.pk == second.pk
    assert Order.objects.count() == 1 and EscrowHold.objects.count() == 1
    assert main_of(buyer) == 25_000
    assert_ledger_ok()


def test_c15_expiry_sweep_racing_an_accept_just_before_the_deadline(pair):
    seller, buyer, kwork = pair
    fund(buyer, 25_000 * ROUNDS)
    for _ in range(ROUNDS):
        offer = make_offer(seller=seller, buyer=buyer, kwork=kwork)
        accepted, swept = race(
            lambda o=offer: services.offer_accept(offer=o, buyer=buyer),
            lambda o=offer: services.offers_expire(now=o.expires_at + timedelta(seconds=1)),
        )
        offer.refresh_from_db()
        if offer.status == Status.ACCEPTED:
            assert swept == 0 and accepted.pk == offer.order_id
        else:
            assert offer.status == Status.EXPIRED and swept == 1
            assert isinstance(accepted, DomainError)
            assert not Order.objects.filter(individual_offer=offer).exists()
    assert EscrowHold.objects.count() == Order.objects.count()
    assert_ledger_ok()


def test_c15_two_offers_sent_at_once_in_one_conversation_leave_one_pending(pair):
    seller, buyer, kwork = pair
    conversation = messaging_services.conversation_start(
        buyer=buyer, seller=seller, text="Hi, a question."
    ).conversation
    results = race(
        lambda: make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation),
        lambda: make_offer(
            seller=seller, buyer=buyer, kwork=kwork, conversation=conversation, title="A second idea"
        ),
    )
    assert sum(isinstance(r, IndividualOffer) for r in results) == 1
    assert [r.message for r in results if isinstance(r, DomainError)] == [services.ONE_PENDING]
    assert IndividualOffer.objects.filter(conversation=conversation, status=Status.PENDING).count() == 1


def test_c15_newbie_level_still_refused_under_postgres(set_level):
    set_level(hooks.NEWBIE)
    seller, buyer = person(), person()
    with pytest.raises(DomainError):
        make_offer(seller=seller, buyer=buyer, kwork=KworkFactory(seller=seller))
