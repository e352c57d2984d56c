"""Fixtures of the buyer requests tests: a category with two subcategories, a buyer, sellers with Kworks there,
a moderator, and the seller level set through marketplace's hook."""

import pytest

from accounts.roles import MODERATORS
from buyer_requests import services
from marketplace import hooks
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import CategoryFactory, KworkFactory, SubcategoryFactory


@pytest.fixture
def design(db):
    return CategoryFactory(name="Design", slug="design")


@pytest.fixture
def logos(design):
    return SubcategoryFactory(parent=design, name="Logos", slug="logos")


@pytest.fixture
def banners(design):
    return SubcategoryFactory(parent=design, name="Banners", slug="banners")


@pytest.fixture
def writing(db):
    return SubcategoryFactory(name="Articles", slug="articles")


@pytest.fixture
def buyer(db):
    return verified(UserFactory(username="bea"))


@pytest.fixture
def seller(db):
    return verified(UserFactory(username="sal"))


@pytest.fixture
def seller2(db):
    return verified(UserFactory(username="sue"))


@pytest.fixture
def moderator(db):
    user = verified(UserFactory(username="mod", is_staff=True))
    in_group(user, MODERATORS)
    return user


@pytest.fixture
def kwork(seller, banners):
    """The seller's active Kwork in the same category (Design) as a Logos request."""
    return KworkFactory(seller=seller, category=banners, price_cents=2500, lead_time_days=3)


@pytest.fixture
def levels():
    """levels[seller.pk] = "advanced": the seller_level hook answers from this dict (Newbie otherwise)."""
    saved = hooks._providers.get("seller_level")
    table = {}
    hooks.register("seller_level", lambda seller: table.get(seller.pk, hooks.NEWBIE))
    yield table
    if saved is None:
        hooks.unregister("seller_level")
    else:
        hooks.register("seller_level", saved)


def post_request(buyer, subcategory, **kwargs):
    data = {
        "title": "A logo for my bakery",
        "description": "A warm, hand-drawn logo for a small family bakery. Two variants to choose from.",
        "subcategory": subcategory,
        "budget_cents": 5000,
    }
    data.update(kwargs)
    return services.request_create(buyer=buyer, **data)


def active_request(buyer, subcategory, moderator, **kwargs):
    return services.request_activate(request=post_request(buyer, subcategory, **kwargs), moderator=moderator)
