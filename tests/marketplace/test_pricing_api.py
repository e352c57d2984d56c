"""C5 price quotes and C11(b) automatic pause: the API the orders app builds on."""

import pytest

from common.errors import DomainError
from marketplace import rules
from marketplace.models import Kwork
from marketplace.pricing import lead_time_for, price_quote
from marketplace.services import kwork_autopause_sync, kwork_pause
from tests.factories import UserFactory, verified
from tests.marketplace.factories import KworkFactory, OptionFactory, PackageFactory

pytestmark = pytest.mark.django_db


def test_c5_total_is_unit_price_times_quantity_plus_options():
    kwork = KworkFactory(price_cents=1500, lead_time_days=4)
    first = OptionFactory(kwork=kwork, price_cents=400, title="Source file")
    second = OptionFactory(kwork=kwork, price_cents=2000, title="Express")
    quote = price_quote(kwork=kwork, quantity=3, option_ids=[first.pk, str(second.pk)])
    assert quote.total_cents == 1500 * 3 + 400 + 2000
    assert [line.kind for line in quote.lines] == ["unit", "option", "option"]
    assert quote.lines[0].amount_cents == 4500
    assert quote.seller_gets_cents == (4500 + 2400) * 80 // 100


@pytest.mark.parametrize(("lead", "quantity", "expected"), [(4, 1, 4), (4, 2, 6), (4, 3, 8), (3, 2, 5), (1, 3, 3)])
def test_c5_lead_time_first_unit_full_each_further_unit_half_rounded_up(lead, quantity, expected):
    assert lead_time_for(unit_lead_time_days=lead, quantity=quantity) == expected
    kwork = KworkFactory(lead_time_days=lead)
    assert price_quote(kwork=kwork, quantity=quantity).lead_time_days == expected


def test_c5_package_price_plus_options():
    kwork = KworkFactory(uses_packages=True)
    PackageFactory(kwork=kwork, tier="economy", price_cents=1500, lead_time_days=2)
    business = PackageFactory(kwork=kwork, tier="business", price_cents=5000, lead_time_days=5)
    option = OptionFactory(kwork=kwork, price_cents=1000)
    quote = price_quote(kwork=kwork, package="business", option_ids=[option.pk])
    assert quote.total_cents == 6000
    assert quote.lead_time_days == 5
    assert quote.package == business
    assert price_quote(kwork=kwork, package=business.pk).total_cents == 5000


def test_c5_refuses_missing_package_foreign_option_and_bad_quantity():
    kwork = KworkFactory(uses_packages=True)
    PackageFactory(kwork=kwork)
    with pytest.raises(DomainError, match="Please choose a package"):
        price_quote(kwork=kwork)
    plain = KworkFactory()
    foreign = OptionFactory()
    with pytest.raises(DomainError, match="no longer offered"):
        price_quote(kwork=plain, option_ids=[foreign.pk])
    with pytest.raises(DomainError, match=f"from 1 to {rules.MAX_QUANTITY} units"):
        price_quote(kwork=plain, quantity=rules.MAX_QUANTITY + 1)
    with pytest.raises(DomainError, match="not sold in packages"):
        price_quote(kwork=plain, package="economy")


def test_c5_archived_option_cannot_be_quoted():
    kwork = KworkFactory()
    option = OptionFactory(kwork=kwork, is_active=False)
    with pytest.raises(DomainError, match="no longer offered"):
        price_quote(kwork=kwork, option_ids=[option.pk])


def test_c9_c11_is_orderable_by():
    kwork = KworkFactory()
    buyer = verified(UserFactory())
    assert kwork.is_orderable_by(buyer)
    assert not kwork.is_orderable_by(kwork.seller)
    assert kwork.order_refusal(kwork.seller) == "You cannot order your own Kwork."
    kwork.auto_paused = True
    assert kwork.is_orderable_by(buyer)  # C11: still orderable by direct link / favourites
    kwork.status = Kwork.Status.PAUSED
    assert not kwork.is_orderable_by(buyer)
    kwork.status = Kwork.Status.MODERATION
    assert kwork.order_refusal(buyer) == "This Kwork is not on sale."


def test_c11b_more_than_12_in_progress_autopauses_until_7_remain():
    kwork = KworkFactory()
    other = KworkFactory(seller=kwork.seller)
    seller = kwork.seller
    assert kwork_autopause_sync(seller=seller, in_progress_count=12) is False
    kwork.refresh_from_db()
    assert not kwork.auto_paused
    assert kwork_autopause_sync(seller=seller, in_progress_count=13) is True
    kwork.refresh_from_db(), other.refresh_from_db()
    assert kwork.auto_paused and other.auto_paused
    assert kwork.status == Kwork.Status.ACTIVE  # distinct from a manual pause
    assert not kwork.is_listed and kwork.is_orderable_by(UserFactory())
    assert kwork_autopause_sync(seller=seller, in_progress_count=8) is True  # hysteresis: still paused
    assert kwork_autopause_sync(seller=seller, in_progress_count=7) is False
    kwork.refresh_from_db()
    assert not kwork.auto_paused and kwork.is_listed


def test_c11b_autopause_keeps_manual_pause():
    kwork = KworkFactory()
    kwork_pause(seller=kwork.seller, kwork=kwork)
    kwork_autopause_sync(seller=kwork.seller, in_progress_count=20)
    kwork_autopause_sync(seller=kwork.seller, in_progress_count=0)
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.PAUSED
