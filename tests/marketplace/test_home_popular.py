"""C12: the home page's popular Kworks of the best sellers show one Kwork per seller first, then the best sellers'
other Kworks, in the same ranking (responsibility, seller rating, Kwork rating, conversion)."""

import pytest

from marketplace import rules
from marketplace.selectors import home_popular
from tests.factories import UserFactory, verified
from tests.marketplace.factories import KworkFactory

pytestmark = [pytest.mark.django_db, pytest.mark.rule("C12")]


def kworks_of(seller, count, responsibility):
    return [KworkFactory(seller=seller, seller_responsibility=responsibility, rating=90 - i) for i in range(count)]


def test_c12_home_shows_one_kwork_per_seller_first():
    star, good, fair = (verified(UserFactory()) for _ in range(3))
    star_kworks = kworks_of(star, 5, 100)
    good_kworks = kworks_of(good, 2, 90)
    fair_kworks = kworks_of(fair, 1, 80)
    shown = [kwork.pk for kwork in home_popular()]
    assert shown[:3] == [star_kworks[0].pk, good_kworks[0].pk, fair_kworks[0].pk]
    assert shown[3:] == [k.pk for k in star_kworks[1:]] + [good_kworks[1].pk]


def test_c12_home_is_bounded_and_fills_up_with_one_busy_seller():
    seller = verified(UserFactory())
    kworks_of(seller, rules.HOME_POPULAR_COUNT + 3, 100)
    assert len(home_popular()) == rules.HOME_POPULAR_COUNT
