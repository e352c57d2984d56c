"""C13: favourites (a heart on cards and pages) and the cart, kept 14 days."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from common.errors import DomainError
from marketplace import rules, services
from marketplace.models import CartItem, Favourite, Kwork
from marketplace.tasks import cart_purge_expired
from tests.factories import UserFactory
from tests.marketplace.factories import KworkFactory, OptionFactory, PackageFactory

pytestmark = pytest.mark.django_db


def test_c13_heart_toggles_with_htmx_and_without_js(client):
    kwork = KworkFactory()
    buyer = UserFactory()
    client.force_login(buyer)
    url = reverse("marketplace:favourite_toggle", args=[kwork.pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'aria-pressed="true"' in response.text
    assert Favourite.objects.filter(user=buyer, kwork=kwork).exists()
    response = client.post(url, {"next": "/favourites/"})  # no JS: a plain POST and a redirect
    assert response.status_code == 302 and response.url == "/favourites/"
    assert not Favourite.objects.filter(user=buyer).exists()


def test_c13_favourites_page_lists_hearted_kworks_including_autopaused(client):
    kwork = KworkFactory(title="I will be hearted and auto-paused")
    buyer = UserFactory()
    services.favourite_toggle(user=buyer, kwork_id=kwork.pk)
    services.kwork_autopause_sync(seller=kwork.seller, in_progress_count=20)
    client.force_login(buyer)
    response = client.get(reverse("marketplace:favourites"))
    assert kwork.title in response.text


def test_c13_heart_needs_login_and_a_visible_kwork(client):
    draft = KworkFactory(status=Kwork.Status.DRAFT, approved_at=None)
    response = client.post(reverse("marketplace:favourite_toggle", args=[draft.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(UserFactory())
    assert client.post(reverse("marketplace:favourite_toggle", args=[draft.pk])).status_code == 404
    assert not Favourite.objects.exists()


def test_c13_cart_keeps_choice_and_merges_the_same_choice(client):
    kwork = KworkFactory(price_cents=2000, lead_time_days=2)
    option = OptionFactory(kwork=kwork, price_cents=500)
    buyer = UserFactory()
    client.force_login(buyer)
    url = reverse("marketplace:cart_add", args=[kwork.pk])
    assert client.post(url, {"quantity": 2, "options": [option.pk]}).status_code == 302
    client.post(url, {"quantity": 1, "options": [option.pk]})
    client.post(url, {"quantity": 1})
    items = list(CartItem.objects.filter(user=buyer).order_by("pk"))
    assert [(i.quantity, i.option_ids) for i in items] == [(3, [option.pk]), (1, [])]
    response = client.get(reverse("marketplace:cart"))
    assert 'data-testid="cart-total">$85.00<' in response.text  # (3 × $20 + $5) + 1 × $20
    assert response.context["total_cents"] == (3 * 2000 + 500) + 2000


def test_c13_cart_with_a_package(client):
    kwork = KworkFactory(uses_packages=True)
    package = PackageFactory(kwork=kwork, tier="standard", price_cents=3000, lead_time_days=3)
    buyer = UserFactory()
    client.force_login(buyer)
    client.post(reverse("marketplace:cart_add", args=[kwork.pk]), {"package": package.pk})
    item = CartItem.objects.get(user=buyer)
    assert item.package == package
    assert client.get(reverse("marketplace:cart")).context["total_cents"] == 3000


def test_c13_cart_refusals_change_nothing(client):
    kwork = KworkFactory()
    client.force_login(kwork.seller)
    response = client.post(reverse("marketplace:cart_add", args=[kwork.pk]), follow=True)
    assert "You cannot order your own Kwork." in response.text
    buyer = UserFactory()
    client.force_login(buyer)
    response = client.post(reverse("marketplace:cart_add", args=[kwork.pk]), {"quantity": 11}, follow=True)
    assert f"You can order from 1 to {rules.MAX_QUANTITY} units at once." in response.text
    paused = KworkFactory(status=Kwork.Status.PAUSED)
    with pytest.raises(DomainError, match="paused"):
        services.cart_add(user=buyer, kwork_id=paused.pk)
    assert not CartItem.objects.exists()


def test_c13_cart_quantity_update_and_remove_with_htmx(client):
    kwork = KworkFactory(price_cents=1000)
    buyer = UserFactory()
    item = services.cart_add(user=buyer, kwork_id=kwork.pk)
    client.force_login(buyer)
    url = reverse("marketplace:cart_item", args=[item.pk])
    response = client.post(url, {"quantity": 4}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-testid="cart-total">$40.00<' in response.text
    response = client.post(url, {"quantity": 0}, HTTP_HX_REQUEST="true")
    assert "You can order from 1 to 10 units at once." in response.text
    item.refresh_from_db()
    assert item.quantity == 4  # refused: unchanged
    client.post(url, {"action": "remove"})
    assert not CartItem.objects.exists()


def test_c13_someone_elses_cart_item_is_a_404(client):
    item = services.cart_add(user=UserFactory(), kwork_id=KworkFactory().pk)
    client.force_login(UserFactory())
    response = client.post(reverse("marketplace:cart_item", args=[item.pk]), {"quantity": 3})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.quantity == 1


def test_c13_cart_items_are_kept_14_days():
    buyer = UserFactory()
    kwork = KworkFactory()
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        old = services.cart_add(user=buyer, kwork_id=kwork.pk)
    with time_machine.travel(start + timedelta(days=10), tick=False):
        fresh = services.cart_add(user=buyer, kwork_id=kwork.pk, option_ids=[OptionFactory(kwork=kwork).pk])
    with time_machine.travel(start + timedelta(days=14) - timedelta(minutes=1), tick=False):
        assert cart_purge_expired.delay().get() == 0
    with time_machine.travel(start + timedelta(days=14, minutes=1), tick=False):
        assert cart_purge_expired.delay().get() == 1
        assert cart_purge_expired.delay().get() == 0  # idempotent
    assert list(CartItem.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not CartItem.objects.filter(pk=old.pk).exists()


def test_c13_nav_shows_the_cart_count(client):
    buyer = UserFactory()
    services.cart_add(user=buyer, kwork_id=KworkFactory().pk)
    client.force_login(buyer)
    response = client.get(reverse("marketplace:categories"))
    assert 'data-testid="nav-cart">Cart <span class="pill pill-brand">1</span>' in response.text
