"""Fixtures of the offers tests: a seller whose level the test sets through the marketplace hook (R8), a buyer,
the seller's Kwork and the pair's conversation (made through messaging's service, as a buyer starts it)."""

import pytest

from marketplace import hooks
from messaging import services as messaging_services
from offers import services
from tests.factories import UserFactory, verified
from tests.marketplace.factories import KworkFactory


def person():
    return verified(UserFactory())


@pytest.fixture
def set_level():
    """set_level(level) or set_level({seller_pk: level}); the ratings app's provider comes back afterwards."""
    saved = hooks._providers.get("seller_level")

    def setter(level):
        if isinstance(level, dict):
            hooks.register("seller_level", lambda seller: level.get(seller.pk, hooks.NEWBIE))
        else:
            hooks.register("seller_level", lambda seller: level)

    yield setter
    if saved is None:
        hooks.unregister("seller_level")
    else:
        hooks.register("seller_level", saved)


@pytest.fixture
def advanced(set_level):
    set_level(hooks.ADVANCED)


@pytest.fixture
def buyer(db):
    return person()


@pytest.fixture
def kwork(seller):
    return KworkFactory(seller=seller, price_cents=2000, lead_time_days=3)


@pytest.fixture
def conversation(buyer, seller, kwork):
    message = messaging_services.conversation_start(buyer=buyer, seller=seller, text="Hello, can you help me?")
    return message.conversation


OFFER = {
    "title": "A logo and a business card",
    "description": "A logo in three variants and a matching business card, print-ready.",
    "price_cents": 25_000,
    "lead_time_days": 5,
}


def make_offer(*, seller, buyer, kwork, conversation=None, **overrides):
    return services.offer_create(
        seller=seller, buyer=buyer, kwork=kwork, conversation=conversation, **{**OFFER, **overrides}
    )


@pytest.fixture
def offer(advanced, seller, buyer, kwork, conversation):
    return make_offer(seller=seller, buyer=buyer, kwork=kwork, conversation=conversation)
