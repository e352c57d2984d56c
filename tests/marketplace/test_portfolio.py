"""C14 portfolio on the Kwork page and the profile, the portfolio download, and C11(a): in a category that
requires a portfolio a Kwork is paused automatically while fewer than 50 % of its completed orders with the
buyer's consent have a portfolio item, stays orderable by link and from Favourites, and never fights C11(b)."""

import pytest
import time_machine
from django.contrib.admin.sites import AdminSite
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace import rules
from marketplace import services as marketplace_services
from marketplace.admin import CategoryAdmin
from marketplace.models import Category, Kwork, PortfolioItem
from marketplace.portfolio_selectors import portfolio_items_attach
from marketplace.services import portfolio_share_too_low
from orders import services
from orders.rules import PORTFOLIO_REVOKE_DAYS
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import CategoryFactory, KworkFactory, SubcategoryFactory, png_bytes
from tests.orders.factories import delivered, place

pytestmark = pytest.mark.django_db


def png(name="result.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def completed(kwork, consent):
    order = delivered(kwork=kwork)
    return services.order_accept_with_portfolio_choice(order=order, buyer=order.buyer, portfolio_consent=consent)


def upload(order):
    return services.order_portfolio_upload(order=order, seller=order.seller, upload=png())


def fresh(kwork):
    return Kwork.objects.get(pk=kwork.pk)


def listed_titles(client, category):
    return [k.title for k in client.get(reverse("marketplace:category", args=[category.slug])).context["page"]]


@pytest.fixture
def requiring(db):
    return SubcategoryFactory(requires_portfolio=True)


@pytest.fixture
def pkwork(seller, requiring):
    return KworkFactory(seller=seller, category=requiring)


# --- the 50 % rule ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "items, orders, paused",
    [
        (499, 1000, True),  # 49.9 %
        (500, 1000, False),  # 50 %
        (0, 0, False),  # nothing to count
        (0, 1, True),
        (1, 2, False),
        (1, 3, True),
        (2, 3, False),
    ],
)
def test_c11a_share_edge(items, orders, paused):
    assert rules.PORTFOLIO_REQUIRED_PERCENT == 50
    assert portfolio_share_too_low(items=items, orders=orders) is paused


def test_c11a_kwork_pauses_below_half_and_resumes_at_half(client, pkwork, requiring):
    first = completed(pkwork, True)
    kwork = fresh(pkwork)
    assert kwork.portfolio_orders_count == 1 and kwork.portfolio_paused and kwork.auto_paused
    assert listed_titles(client, requiring) == []
    upload(first)
    kwork = fresh(pkwork)
    assert not kwork.portfolio_paused and not kwork.auto_paused and kwork.is_listed  # 1 of 1
    second = completed(pkwork, True)
    assert fresh(pkwork).portfolio_paused is False  # 1 of 2 = 50 %: not below
    third = completed(pkwork, True)
    assert fresh(pkwork).portfolio_paused is True  # 1 of 3 = 33 %
    upload(second)
    assert fresh(pkwork).portfolio_paused is False  # 2 of 3
    assert listed_titles(client, requiring) == [pkwork.title]
    services.order_portfolio_remove(order=second, seller=second.seller)
    assert fresh(pkwork).portfolio_paused is True
    assert third.pk


def test_c11a_orders_without_consent_are_left_out_of_the_count(pkwork):
    consenting = completed(pkwork, True)
    upload(consenting)
    completed(pkwork, False)
    completed(pkwork, False)
    unasked = delivered(kwork=pkwork)
    with time_machine.travel(timezone.now() + timezone.timedelta(days=4)):
        services.orders_autocomplete()
    kwork = fresh(pkwork)
    assert kwork.portfolio_orders_count == 1 and not kwork.portfolio_paused  # 1 of 1, not 1 of 4
    # Allowing later brings the order into the count (1 of 2 is still 50 %).
    services.order_portfolio_consent_set(order=unasked, buyer=unasked.buyer, consent=True)
    assert fresh(pkwork).portfolio_orders_count == 2 and not fresh(pkwork).portfolio_paused


def test_c11a_revoking_consent_takes_the_order_out_of_the_count_and_the_item_away(pkwork):
    a, b = completed(pkwork, True), completed(pkwork, True)
    upload(a)
    upload(b)
    services.order_portfolio_consent_set(order=b, buyer=b.buyer, consent=False)
    kwork = fresh(pkwork)
    assert kwork.portfolio_orders_count == 1 and kwork.portfolio_items.count() == 1 and not kwork.portfolio_paused
    assert PORTFOLIO_REVOKE_DAYS > 0


def test_c11a_not_in_a_category_that_requires_it_nothing_pauses(seller):
    kwork = KworkFactory(seller=seller)
    completed(kwork, True)
    completed(kwork, True)
    kwork = fresh(kwork)
    assert kwork.portfolio_orders_count == 2 and not kwork.portfolio_paused and kwork.is_listed


def test_c11a_the_parents_setting_covers_its_subcategories_and_the_admin_applies_it_at_once(seller):
    parent = CategoryFactory()
    sub = SubcategoryFactory(parent=parent)
    kwork = KworkFactory(seller=seller, category=sub)
    completed(kwork, True)
    assert fresh(kwork).portfolio_paused is False
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)
    model_admin = CategoryAdmin(Category, AdminSite())
    form_class = model_admin.get_form(request, parent, change=True)
    data = {field: getattr(parent, field) for field in ("name", "slug", "description", "position", "icon")}
    form = form_class({**data, "requires_portfolio": "on"}, instance=parent)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    assert Category.objects.get(pk=parent.pk).requires_portfolio
    kwork = fresh(kwork)
    assert kwork.portfolio_paused and kwork.auto_paused
    Category.objects.filter(pk=parent.pk).update(requires_portfolio=False)
    assert marketplace_services.category_portfolio_sync(category=parent) == 0
    assert not fresh(kwork).auto_paused


# --- C11(a) and C11(b) never undo each other ------------------------------------------------------------


def test_c11a_and_c11b_a_kwork_stays_paused_until_neither_applies(pkwork, seller):
    order = completed(pkwork, True)  # C11(a) pauses
    marketplace_services.kwork_autopause_sync(seller=seller, in_progress_count=13)  # C11(b) too
    assert fresh(pkwork).auto_paused
    marketplace_services.kwork_autopause_sync(seller=seller, in_progress_count=7)  # C11(b) lifts
    kwork = fresh(pkwork)
    assert kwork.auto_paused and kwork.portfolio_paused  # C11(a) still applies
    marketplace_services.kwork_autopause_sync(seller=seller, in_progress_count=13)
    upload(order)  # C11(a) lifts
    kwork = fresh(pkwork)
    assert kwork.auto_paused and not kwork.portfolio_paused  # C11(b) still applies
    marketplace_services.kwork_autopause_sync(seller=seller, in_progress_count=7)
    assert not fresh(pkwork).auto_paused and fresh(pkwork).is_listed


def test_c11a_activating_a_paused_kwork_keeps_the_automatic_pause(pkwork, seller):
    completed(pkwork, True)
    marketplace_services.kwork_pause(seller=seller, kwork=pkwork)
    kwork = marketplace_services.kwork_activate(seller=seller, kwork=pkwork)
    assert kwork.status == Kwork.Status.ACTIVE and kwork.auto_paused and not kwork.is_listed


def test_c11a_auto_paused_kwork_stays_orderable_by_link_and_from_favourites(client, pkwork, requiring):
    completed(pkwork, True)
    assert fresh(pkwork).auto_paused
    buyer = verified(UserFactory())
    client.force_login(buyer)
    page = client.get(pkwork.get_absolute_url())
    assert page.status_code == 200 and page.context["order_refusal"] is None
    marketplace_services.favourite_toggle(user=buyer, kwork_id=pkwork.pk)
    assert pkwork.title in client.get(reverse("marketplace:favourites")).text
    order = place(buyer=buyer, kwork=fresh(pkwork))
    assert order.kwork_id == pkwork.pk
    assert listed_titles(client, requiring) == []


def test_c11a_owner_sees_why_the_kwork_is_paused(client, pkwork, seller):
    completed(pkwork, True)
    client.force_login(seller)
    assert (
        "until more completed orders have their result in your portfolio"
        in client.get(pkwork.get_absolute_url()).text
    )


# --- the portfolio on the pages, and its download --------------------------------------------------------


def test_c14_portfolio_shows_on_the_kwork_page_and_the_sellers_profile(client, seller):
    kwork = KworkFactory(seller=seller)
    item = upload(completed(kwork, True))
    for url in (kwork.get_absolute_url(), reverse("accounts:profile", args=[seller.username])):
        page = client.get(url).text
        assert 'data-testid="portfolio"' in page and item.url in page


def test_c14_no_portfolio_section_without_items(client, seller):
    kwork = KworkFactory(seller=seller)
    completed(kwork, False)
    assert 'data-testid="portfolio"' not in client.get(kwork.get_absolute_url()).text


def test_c14_kwork_page_and_profile_queries_do_not_grow_with_items(client, seller):
    kwork = KworkFactory(seller=seller)
    upload(completed(kwork, True))
    urls = (kwork.get_absolute_url(), reverse("accounts:profile", args=[seller.username]))

    def counts():
        result = []
        for url in urls:
            client.get(url)  # warm caches
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    one = counts()
    for _ in range(3):
        upload(completed(kwork, True))
    assert counts() == one


def test_c14_portfolio_items_attach_is_one_query(seller):
    kwork = KworkFactory(seller=seller)
    orders = [completed(kwork, True) for _ in range(3)]
    for order in orders[:2]:
        upload(order)

    class Row:
        def __init__(self, order_id):
            self.order_id = order_id

    rows = [Row(order.pk) for order in orders]
    with CaptureQueriesContext(connection) as queries:
        portfolio_items_attach(rows)
    assert len(queries) == 1
    assert [bool(row.portfolio_item) for row in rows] == [True, True, False]


@pytest.fixture
def moderator(db):
    return in_group(verified(UserFactory(is_staff=True)), "Moderators")


@pytest.fixture
def support(db):
    return in_group(verified(UserFactory()), "Support")


@pytest.mark.parametrize("who", ["anonymous", "buyer", "seller", "stranger", "moderator", "support"])
def test_c14_portfolio_file_is_public_to_every_role(client, request, seller, who):
    kwork = KworkFactory(seller=seller)
    order = completed(kwork, True)
    item = upload(order)
    people = {
        "buyer": order.buyer,
        "seller": seller,
        "stranger": verified(UserFactory()),
        "moderator": request.getfixturevalue("moderator") if who == "moderator" else None,
        "support": request.getfixturevalue("support") if who == "support" else None,
    }
    if who != "anonymous":
        client.force_login(people[who])
    response = client.get(item.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"  # still revocable: never kept by browsers
    assert b"".join(response.streaming_content) == png_bytes()
    assert client.post(item.url).status_code == 405


def test_c14_portfolio_file_is_cacheable_once_consent_cannot_be_withdrawn_and_gone_after_removal(client, seller):
    kwork = KworkFactory(seller=seller)
    order = completed(kwork, True)
    item = upload(order)
    with time_machine.travel(item.revocable_until):
        assert client.get(item.url)["Cache-Control"].startswith("public")
    services.order_portfolio_remove(order=order, seller=seller)
    assert client.get(item.url).status_code == 404
    assert client.get("/files/portfolio/1/nothing.png").status_code == 404
    assert not PortfolioItem.objects.exists()


def test_c11a_approved_changes_that_move_the_kwork_out_of_the_category_lift_the_pause(pkwork, seller, kwork_data):
    completed(pkwork, True)
    assert fresh(pkwork).portfolio_paused
    marketplace_services.kwork_update(seller=seller, kwork=fresh(pkwork), data=kwork_data())
    marketplace_services.kwork_submit(seller=seller, kwork=fresh(pkwork))
    assert fresh(pkwork).pending_changes and fresh(pkwork).portfolio_paused
    moderator = in_group(verified(UserFactory(is_staff=True)), "Moderators")
    kwork = marketplace_services.kwork_approve(kwork=fresh(pkwork), moderator=moderator)
    assert not kwork.portfolio_paused and not kwork.auto_paused and fresh(pkwork).is_listed
