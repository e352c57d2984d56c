"""T1: a blocked seller's Kworks leave the catalogue and cannot be ordered (directly, from the cart or the
Kwork page) until the block ends or is lifted; a warning hides nothing; orders already running go on."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts import penalties
from accounts.models import Penalty
from accounts.roles import SUPPORT
from common.errors import DomainError
from marketplace import services as marketplace_services
from marketplace.models import Kwork
from marketplace.selectors import listed_kworks
from orders import services as order_services
from orders.models import Order
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import KworkFactory
from tests.orders.factories import place, started
from tests.support import fund

pytestmark = [pytest.mark.django_db, pytest.mark.rule("T1")]
T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)


def person():
    return verified(UserFactory())


def block(seller, kind=Penalty.Kind.TEMPORARY):
    staff = in_group(person(), SUPPORT)
    return penalties.penalty_give(
        staff=staff,
        user=seller,
        kind=kind,
        rule=Penalty.Rule.PROFANITY,
        evidence_url="/messages/1/",
        reason="Rude.",
    )


def listed(kwork):
    return listed_kworks().filter(pk=kwork.pk).exists()


def test_t1_a_blocked_sellers_kworks_leave_the_catalogue_and_cannot_be_ordered():
    kwork = KworkFactory()
    other = KworkFactory()
    block(kwork.seller)
    kwork.refresh_from_db()
    assert kwork.seller_blocked and not kwork.is_listed and not listed(kwork)
    assert listed(other)  # someone else's Kwork is untouched
    assert "suspended" in kwork.order_refusal(person())
    buyer = person()
    fund(buyer, 5000)
    with pytest.raises(DomainError, match="suspended"):
        order_services.order_place(buyer=buyer, kwork=kwork)
    with pytest.raises(DomainError, match="suspended"):
        marketplace_services.cart_add(user=buyer, kwork_id=kwork.pk)
    assert not Order.objects.filter(kwork=kwork).exists()


def test_t1_the_kwork_page_and_catalogue_pages_say_so(client):
    kwork = KworkFactory(title="Hand lettering for your bakery")
    block(kwork.seller)
    client.force_login(person())
    page = client.get(reverse("marketplace:kwork", args=[kwork.pk]))
    assert page.status_code == 200 and "suspended" in page.content.decode()
    category = client.get(kwork.category.get_absolute_url())
    assert "Hand lettering for your bakery" not in category.content.decode()


def test_t1_a_warning_hides_nothing():
    kwork = KworkFactory()
    block(kwork.seller, kind=Penalty.Kind.WARNING)
    kwork.refresh_from_db()
    assert not kwork.seller_blocked and listed(kwork)


def test_t1_lifting_the_block_brings_the_kworks_back_at_once():
    kwork = KworkFactory()
    penalty = block(kwork.seller)
    penalties.penalty_lift(penalty=penalty, staff=in_group(person(), SUPPORT), reason="Mistaken identity.")
    kwork.refresh_from_db()
    assert not kwork.seller_blocked and listed(kwork) and kwork.order_refusal(person()) is None


def test_t1_a_temporary_block_that_runs_out_is_picked_up_by_the_beat_sweep():
    with time_machine.travel(T0, tick=False) as clock:
        kwork = KworkFactory()
        penalty = block(kwork.seller)
        assert marketplace_services.sellers_account_block_sync() == 0  # nothing to change while it runs
        clock.move_to(penalty.ends_at + timedelta(minutes=1))
        assert not Kwork.objects.get(pk=kwork.pk).is_listed  # until the sweep runs
        assert marketplace_services.sellers_account_block_sync() == 1
        assert listed(Kwork.objects.get(pk=kwork.pk))
        assert marketplace_services.sellers_account_block_sync() == 0  # idempotent


def test_t1_the_sweep_also_hides_kworks_whose_flag_was_missed():
    kwork = KworkFactory()
    block(kwork.seller)
    Kwork.objects.filter(pk=kwork.pk).update(seller_blocked=False)  # e.g. written by an older release
    assert marketplace_services.sellers_account_block_sync() == 1
    assert not listed(kwork)


def test_t1_a_kwork_approved_while_its_seller_is_blocked_starts_hidden():
    kwork = KworkFactory(status=Kwork.Status.MODERATION, approved_at=None, review_requested_at=T0)
    block(kwork.seller)
    moderator = person()
    marketplace_services.kwork_approve(kwork=kwork, moderator=moderator)
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.ACTIVE and kwork.seller_blocked and not listed(kwork)


def test_t1_orders_already_running_go_on_and_the_catalogue_version_moves():
    from marketplace.caching import catalogue_version

    order = started()
    before = catalogue_version()
    block(order.seller)
    assert catalogue_version() != before  # cached anonymous grids cannot show the Kwork again
    order.refresh_from_db()
    assert order.status == Order.Status.IN_PROGRESS  # nothing is cancelled by the block


def test_t1_the_buyer_side_of_a_blocked_buyer_is_not_touched():
    buyer = person()
    order = place(buyer=buyer)
    block(buyer)
    order.kwork.refresh_from_db()
    assert listed(order.kwork)  # the seller of the buyer's order is not blocked
