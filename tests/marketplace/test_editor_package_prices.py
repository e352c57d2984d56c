"""C4 in the editor: the package prices follow the chosen subcategory. Choosing another subcategory swaps the
price lists (htmx) and keeps the prices it still offers; without JavaScript, a price of another subcategory is
refused with the prices this one has, in dollars, and the page then offers them."""

import re

import pytest
from django.urls import reverse

from marketplace.models import Kwork, PackagePricePoint
from tests.marketplace.factories import CategoryFactory, SubcategoryFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "attributes"}


@pytest.fixture
def print_and_packaging(db):
    """Design › Print and packaging: no price points of its own, so Design's (as in the demo data)."""
    design = CategoryFactory(name="Design", slug="design")
    for tier, points in {
        "economy": [1000, 1500, 2000],
        "standard": [2500, 3000, 5000],
        "business": [6000, 8000, 12000],
    }.items():
        for cents in points:
            PackagePricePoint.objects.create(category=design, tier=tier, price_cents=cents)
    return SubcategoryFactory(parent=design, name="Print and packaging", slug="print-and-packaging")


def _offered(html, tier):
    select = re.search(rf'<select name="package_{tier}_price".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', select)


def _selected(html, tier):
    select = re.search(rf'<select name="package_{tier}_price".*?</select>', html, re.S).group(0)
    found = re.search(r'<option value="(\d*)"[^>]*selected', select)
    return found.group(1) if found else None


def _form(subcategory, business_cents):
    return {
        "category": subcategory.pk,
        "title": "I will design your product packaging",
        "description": "Print-ready packaging for your product: a box or a label, with the files the printer needs.",
        "volume": "1 design",
        "price": "10",
        "lead_time_days": "3",
        "uses_packages": "on",
        "package_economy_description": "1 concept",
        "package_economy_price": "1000",
        "package_economy_days": "2",
        "package_standard_description": "2 concepts",
        "package_standard_price": "3000",
        "package_standard_days": "3",
        "package_business_description": "3 concepts\nAll print files",
        "package_business_price": str(business_cents),
        "package_business_days": "5",
    }


def test_c4_new_page_offers_the_default_prices_before_a_subcategory_is_chosen(client, seller, print_and_packaging):
    client.force_login(seller)
    page = client.get(reverse("marketplace:kwork_new")).text
    assert ("10000", "$100") in _offered(page, "business")  # the defaults, which Print and packaging lacks
    assert 'hx-include="[data-package-price]"' in page


def test_c4_choosing_a_subcategory_swaps_the_package_prices(client, seller, print_and_packaging):
    client.force_login(seller)
    response = client.get(
        reverse("marketplace:kwork_new"),
        {"category": print_and_packaging.pk, "package_economy_price": "1000", "package_business_price": "10000"},
        **HTMX,
    )
    html = response.text
    assert response.status_code == 200 and 'id="attributes"' in html
    assert html.count('hx-swap-oob="true"') == 3  # one price list per package, swapped out of band
    assert _offered(html, "business") == [("6000", "$60"), ("8000", "$80"), ("12000", "$120")]
    assert _offered(html, "standard") == [("2500", "$25"), ("3000", "$30"), ("5000", "$50")]
    assert _selected(html, "economy") == "1000"  # still offered, still chosen
    assert _selected(html, "business") in (None, "")  # $100 is not offered here


def test_c4_choosing_a_subcategory_on_an_existing_kwork_swaps_the_prices_too(
    client, seller, kwork_data, print_and_packaging
):
    from marketplace import services

    kwork = services.kwork_create(seller=seller, data=kwork_data())
    client.force_login(seller)
    html = client.get(
        reverse("marketplace:kwork_edit", args=[kwork.pk]), {"category": print_and_packaging.pk}, **HTMX
    ).text
    assert _offered(html, "business") == [("6000", "$60"), ("8000", "$80"), ("12000", "$120")]


def test_c4_without_javascript_a_price_of_other_subcategory_is_refused_in_dollars(
    client, seller, print_and_packaging
):
    client.force_login(seller)
    response = client.post(reverse("marketplace:kwork_new"), _form(print_and_packaging, 10000))
    assert response.status_code == 200
    assert not Kwork.objects.exists()
    text = response.text
    assert (
        "$100 is not a Business price of “Design › Print and packaging”: the prices follow the subcategory. "
        "Choose one of $60, $80, $120." in text
    )
    assert "not one of the available choices" not in text and "10000 is" not in text
    assert _offered(text, "business") == [("6000", "$60"), ("8000", "$80"), ("12000", "$120")]


def test_c4_saving_the_business_price_of_print_and_packaging_works(client, seller, print_and_packaging):
    client.force_login(seller)
    response = client.post(reverse("marketplace:kwork_new"), _form(print_and_packaging, 12000))
    kwork = Kwork.objects.get()
    assert response.status_code == 302 and response.url == reverse("marketplace:kwork_edit", args=[kwork.pk])
    assert kwork.category == print_and_packaging and kwork.uses_packages
    assert dict(kwork.packages.values_list("tier", "price_cents")) == {
        "economy": 1000,
        "standard": 3000,
        "business": 12000,
    }


def test_c4_an_unused_package_price_of_another_subcategory_does_not_block_saving(
    client, seller, print_and_packaging
):
    client.force_login(seller)
    form = _form(print_and_packaging, 10000)
    del form["uses_packages"]
    response = client.post(reverse("marketplace:kwork_new"), form)
    assert response.status_code == 302
    kwork = Kwork.objects.get()
    assert not kwork.uses_packages and kwork.price_cents == 1000


def test_c4_a_forged_package_price_is_refused_with_a_message(client, seller, print_and_packaging):
    client.force_login(seller)
    response = client.post(reverse("marketplace:kwork_new"), _form(print_and_packaging, "12x"))
    assert response.status_code == 200 and "Choose one of the prices offered." in response.text
    assert not Kwork.objects.exists()
