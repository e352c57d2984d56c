"""O1 placing and paying, C5 prices and lead times of several units, O13 cart checkout, C11(b) auto-pause."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Notification
from marketplace.models import CartItem, Kwork, SellerProfile
from orders import services
from orders.models import Order, OrderEvent, OrderLine
from payments.models import EscrowHold
from payments.services import InsufficientFunds
from tests.factories import UserFactory
from tests.marketplace.factories import OptionFactory, PackageFactory
from tests.orders.factories import assert_ledger_ok, exactly, kwork_of, person, place, started
from tests.support import bonus_of, fund, main_of, snapshot

pytestmark = pytest.mark.django_db
T0 = timezone.datetime(2026, 3, 2, 10, 0, tzinfo=timezone.UTC)


# --- O1 ------------------------------------------------------------------------------------------------------------


def test_o1_too_little_money_raises_the_exact_missing_amount_and_creates_nothing(buyer, kwork):
    fund(buyer, 600)
    before = snapshot()
    with pytest.raises(InsufficientFunds) as exc:
        services.order_place(buyer=buyer, kwork=kwork)
    assert exc.value.missing_cents == 400
    assert "$4.00 is missing" in str(exc.value)
    assert snapshot() == before
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert main_of(buyer) == 600


def test_o1_after_topping_up_the_missing_amount_the_order_proceeds(buyer, kwork):
    fund(buyer, 600)
    with pytest.raises(InsufficientFunds) as exc:
        services.order_place(buyer=buyer, kwork=kwork)
    fund(buyer, exc.value.missing_cents)
    order = services.order_place(buyer=buyer, kwork=kwork)
    assert order.escrow_hold.amount_cents == 1000
    assert main_of(buyer) == 0
    assert_ledger_ok()


def test_o1_seller_is_notified_of_a_new_order(buyer, kwork, seller):
    order = place(buyer, kwork)
    note = Notification.objects.get(user=seller, kind="new_order")
    assert note.url == f"/orders/{order.pk}/"
    assert not Notification.objects.filter(user=buyer, kind="new_order").exists()


def test_o1_own_paused_or_unapproved_kwork_cannot_be_ordered(seller, kwork):
    fund(seller, 5000)
    with pytest.raises(services.DomainError, match=exactly("You cannot order your own Kwork.")):
        services.order_place(buyer=seller, kwork=kwork)
    buyer = person()
    fund(buyer, 5000)
    Kwork.objects.filter(pk=kwork.pk).update(status=Kwork.Status.PAUSED)
    kwork.refresh_from_db()
    before = snapshot()
    with pytest.raises(services.DomainError, match="paused this Kwork"):
        services.order_place(buyer=buyer, kwork=kwork)
    assert snapshot() == before


def test_o1_auto_paused_kwork_can_still_be_ordered(kwork):
    Kwork.objects.filter(pk=kwork.pk).update(auto_paused=True)
    kwork.refresh_from_db()
    assert place(kwork=kwork).status == Order.Status.NEW


def test_o1_unconfirmed_email_cannot_order(kwork):
    buyer = UserFactory()
    EmailAddress.objects.filter(user=buyer).delete()
    fund(buyer, 5000)
    before = snapshot()
    with pytest.raises(services.DomainError, match="confirm your e-mail address before you place an order"):
        services.order_place(buyer=buyer, kwork=kwork)
    assert snapshot() == before


def test_p8_order_spends_the_bonus_part_first(buyer, kwork):
    from payments import services as payment_services
    from payments.models import PromoCode

    PromoCode.objects.create(code="WELCOME3", amount_cents=300)
    payment_services.promo_redeem(user=buyer, code="WELCOME3")
    fund(buyer, 1000)
    order = services.order_place(buyer=buyer, kwork=kwork)
    assert order.escrow_hold.bonus_cents == 300
    assert bonus_of(buyer) == 0 and main_of(buyer) == 300
    services.order_cancel_quick(order=order, buyer=buyer)
    assert bonus_of(buyer) == 300 and main_of(buyer) == 1000
    assert_ledger_ok()


# --- C5 ------------------------------------------------------------------------------------------------------------


def test_c5_several_units_with_options_price_and_lead_time(buyer):
    kwork = kwork_of(price_cents=1000, lead_time_days=4)
    option = OptionFactory(kwork=kwork, price_cents=500, title="Source files")
    fund(buyer, 3500)
    with time_machine.travel(T0, tick=False):
        order = services.order_place(buyer=buyer, kwork=kwork, quantity=3, option_ids=[option.pk])
    assert order.total_cents == 3 * 1000 + 500
    assert order.lead_time_days == 4 + 2 * 2  # first unit 4 days, each further unit half of it
    lines = list(order.lines.values_list("kind", "title", "unit_price_cents", "quantity", "amount_cents"))
    assert lines == [("unit", kwork.title, 1000, 3, 3000), ("option", "Source files", 500, 1, 500)]
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        order = services.order_start(order=order, seller=kwork.seller)
    assert order.due_at == T0 + timedelta(hours=1, days=8)


def test_c5_package_order_records_the_tier(buyer):
    package = PackageFactory(price_cents=1500, lead_time_days=3, tier="economy")
    fund(buyer, 3000)
    order = services.order_place(buyer=buyer, kwork=package.kwork, quantity=2, package=package.pk)
    assert order.package_tier == "economy"
    assert order.total_cents == 3000
    assert order.lead_time_days == 3 + 2
    assert order.lines.get().kind == OrderLine.Kind.PACKAGE


def test_c5_bad_quantity_refused_with_nothing_changed(buyer, kwork):
    fund(buyer, 100_000)
    before = snapshot()
    with pytest.raises(services.DomainError, match="from 1 to 10 units"):
        services.order_place(buyer=buyer, kwork=kwork, quantity=0)
    assert snapshot() == before


# --- O13 -----------------------------------------------------------------------------------------------------------


def cart(buyer, *kworks):
    return [CartItem.objects.create(user=buyer, kwork=k, quantity=1) for k in kworks]


def test_o13_cart_checkout_makes_one_order_per_item_and_empties_the_cart(buyer):
    k1, k2 = kwork_of(price_cents=1000), kwork_of(price_cents=2500)
    option = OptionFactory(kwork=k2, price_cents=400)
    items = cart(buyer, k1, k2)
    items[1].options.add(option)
    items[1].quantity = 2
    items[1].save()
    fund(buyer, 1000 + 5000 + 400)
    orders = services.cart_checkout(buyer=buyer)
    assert [o.kwork_id for o in orders] == [k1.pk, k2.pk]
    assert [o.total_cents for o in orders] == [1000, 5400]
    assert {o.seller_id for o in orders} == {k1.seller_id, k2.seller_id}
    assert all(o.escrow_hold.status == EscrowHold.Status.HELD for o in orders)
    assert CartItem.objects.filter(user=buyer).count() == 0
    assert main_of(buyer) == 0
    assert OrderEvent.objects.filter(kind="placed").count() == 2
    assert_ledger_ok()


def test_o13_cart_checkout_is_all_or_nothing_with_the_whole_missing_sum(buyer):
    k1, k2, k3 = kwork_of(price_cents=1000), kwork_of(price_cents=2000), kwork_of(price_cents=3000)
    cart(buyer, k1, k2, k3)
    fund(buyer, 2500)
    before = snapshot()
    with pytest.raises(InsufficientFunds) as exc:
        services.cart_checkout(buyer=buyer)
    assert exc.value.missing_cents == 6000 - 2500
    assert snapshot() == before
    assert CartItem.objects.filter(user=buyer).count() == 3


def test_o13_checkout_of_chosen_items_only(buyer):
    k1, k2 = kwork_of(price_cents=1000), kwork_of(price_cents=2000)
    items = cart(buyer, k1, k2)
    fund(buyer, 2000)
    orders = services.cart_checkout(buyer=buyer, item_ids=[items[1].pk])
    assert [o.kwork_id for o in orders] == [k2.pk]
    assert list(CartItem.objects.filter(user=buyer).values_list("pk", flat=True)) == [items[0].pk]


def test_o13_one_unorderable_item_stops_the_whole_checkout(buyer):
    k1, k2 = kwork_of(price_cents=1000), kwork_of(price_cents=2000, status=Kwork.Status.PAUSED)
    cart(buyer, k1, k2)
    fund(buyer, 3000)
    before = snapshot()
    with pytest.raises(services.DomainError, match=f"^“{k2.title}”: The seller has paused"):
        services.cart_checkout(buyer=buyer)
    assert snapshot() == before
    assert CartItem.objects.filter(user=buyer).count() == 2


def test_o13_empty_cart_refused(buyer):
    with pytest.raises(services.DomainError, match=exactly("Your cart is empty.")):
        services.cart_checkout(buyer=buyer)


def test_o13_someone_elses_cart_items_are_ignored(buyer):
    other = person()
    items = cart(other, kwork_of())
    fund(buyer, 5000)
    with pytest.raises(services.DomainError, match=exactly("Choose at least one item of your cart.")):
        services.cart_checkout(buyer=buyer, item_ids=[items[0].pk])
    assert CartItem.objects.count() == 1


def test_o13_a_second_checkout_of_the_same_cart_item_finds_it_gone_and_charges_nothing(buyer):
    items = cart(buyer, kwork_of(price_cents=1000))
    fund(buyer, 5000)
    assert len(services.cart_checkout(buyer=buyer, item_ids=[items[0].pk])) == 1
    before = snapshot()
    with pytest.raises(services.DomainError, match=exactly("Choose at least one item of your cart.")):
        services.cart_checkout(buyer=buyer, item_ids=[items[0].pk])
    with pytest.raises(services.DomainError, match=exactly("Your cart is empty.")):
        services.cart_checkout(buyer=buyer)
    assert snapshot() == before
    assert Order.objects.filter(buyer=buyer).count() == 1 and main_of(buyer) == 4000


def test_o1_the_same_order_now_key_twice_places_one_order_and_pays_once(buyer, kwork):
    fund(buyer, 5000)
    first = services.order_place(buyer=buyer, kwork=kwork, idempotency_key="k-1")
    again = services.order_place(buyer=buyer, kwork=kwork, idempotency_key="k-1")
    assert again.pk == first.pk
    assert Order.objects.filter(buyer=buyer).count() == 1
    assert EscrowHold.objects.filter(buyer=buyer).count() == 1
    assert main_of(buyer) == 4000
    # Another key (another click on a freshly drawn page) is another order; a key is the buyer's own.
    assert services.order_place(buyer=buyer, kwork=kwork, idempotency_key="k-2").pk != first.pk
    other = person()
    fund(other, 1000)
    assert services.order_place(buyer=other, kwork=kwork, idempotency_key="k-1").buyer == other
    assert_ledger_ok()


# --- C11(b) ------------------------------------------------------------------------------------------------------


def test_c11b_kworks_pause_above_12_in_progress_and_resume_at_7(seller):
    kwork = kwork_of(seller, price_cents=1000)
    other = kwork_of(seller, price_cents=1000)
    orders = [started(kwork=kwork) for _ in range(12)]
    assert SellerProfile.objects.get(user=seller).in_progress_count == 12
    kwork.refresh_from_db()
    assert kwork.auto_paused is False
    orders.append(started(kwork=kwork))  # the 13th
    kwork.refresh_from_db()
    other.refresh_from_db()
    assert kwork.auto_paused is True and other.auto_paused is True
    # Still orderable by direct link while auto-paused (C11).
    assert place(kwork=kwork).status == Order.Status.NEW
    for order in orders[:5]:  # 13 → 8: still paused
        services.order_deliver(order=order, seller=seller, message="Done")
    kwork.refresh_from_db()
    assert kwork.auto_paused is True
    services.order_deliver(order=orders[5], seller=seller, message="Done")  # 7 left: resume
    kwork.refresh_from_db()
    assert kwork.auto_paused is False
    assert SellerProfile.objects.get(user=seller).in_progress_count == 7


def test_c11b_revision_and_cancellation_update_the_count(seller):
    kwork = kwork_of(seller)
    order = started(kwork=kwork)
    services.order_deliver(order=order, seller=seller, message="Done")
    assert SellerProfile.objects.get(user=seller).in_progress_count == 0
    services.order_request_revision(order=order, buyer=order.buyer, reason="Darker please")
    assert SellerProfile.objects.get(user=seller).in_progress_count == 1
    services.cancellation_request_create(order=order, user=seller, reason="seller_busy")
    assert SellerProfile.objects.get(user=seller).in_progress_count == 0


def test_c8_marketplace_hook_knows_the_seller_has_orders(seller, kwork):
    from marketplace import hooks

    assert hooks.seller_has_orders(seller) is False
    place(kwork=kwork)
    assert hooks.seller_has_orders(seller) is True


def test_o13_garbage_item_ids_refused(buyer):
    with pytest.raises(services.DomainError, match=exactly("Choose at least one item of your cart.")):
        services.cart_checkout(buyer=buyer, item_ids=["x"])
