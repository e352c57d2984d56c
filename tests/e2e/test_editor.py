"""C4 in a real browser: the Kwork editor's package prices follow the subcategory. The seller picks a package
price first, then "Design › Print and packaging": htmx swaps the three price lists for that subcategory's
(keeping the prices it still offers, dropping the $100 it lacks), and the Business price shown saves."""

import re

import pytest
from playwright.sync_api import expect

from accounts import demo as accounts_demo
from marketplace import demo as marketplace_demo
from marketplace.models import Kwork
from tests.e2e.conftest import demo_login


def offered(page, tier):
    return page.locator(f"select[name=package_{tier}_price] option").all_inner_texts()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1366, 390])
def test_c4_editor_package_prices_follow_the_subcategory(new_page, shot, width):
    accounts_demo.seed(lambda *_: None)
    marketplace_demo._tree(lambda *_: None)
    seller = new_page()
    seller.set_viewport_size({"width": width, "height": 900})
    demo_login(seller, "sergio")
    seller.goto("/seller/kworks/new/")

    # Before a subcategory is chosen the lists hold the default prices; the seller already picks two.
    assert "$100" in offered(seller, "business")
    seller.check("input[name=uses_packages]")
    seller.select_option("select[name=package_economy_price]", label="$10")
    seller.select_option("select[name=package_business_price]", label="$100")

    seller.select_option("select[name=category]", label="Design › Print and packaging")
    business = seller.locator("select[name=package_business_price]")
    expect(business.locator("option")).to_have_text(["—", "$60", "$80", "$120"])  # swapped by htmx
    assert offered(seller, "standard") == ["—", "$25", "$30", "$50"]
    expect(seller.locator("select[name=package_economy_price]")).to_have_value("1000")  # still offered
    expect(business).to_have_value("")  # $100 is not a price here
    shot(seller, f"prices-swapped-{width}")

    seller.fill("input[name=title]", "I will design the packaging of your product")
    seller.fill(
        "textarea[name=description]",
        "Print-ready packaging for your product: a box or a label with the files your printer needs.",
    )
    seller.fill("input[name=volume]", "1 design")
    seller.fill("textarea[name=package_economy_description]", "1 concept")
    seller.fill("input[name=package_economy_days]", "2")
    seller.fill("textarea[name=package_standard_description]", "2 concepts")
    seller.select_option("select[name=package_standard_price]", label="$30")
    seller.fill("input[name=package_standard_days]", "3")
    seller.fill("textarea[name=package_business_description]", "3 concepts\nAll print files")
    business.select_option(label="$120")
    seller.fill("input[name=package_business_days]", "5")
    seller.click("button:has-text('Save draft')")
    seller.wait_for_url(re.compile(r".*/seller/kworks/\d+/edit/$"))
    expect(seller.locator("body")).to_contain_text("Draft saved.")
    shot(seller, f"saved-{width}")

    kwork = Kwork.objects.get(seller__username="sergio", title="I will design the packaging of your product")
    assert kwork.category.slug == "print-design" and kwork.uses_packages
    assert dict(kwork.packages.values_list("tier", "price_cents")) == {
        "economy": 1000,
        "standard": 3000,
        "business": 12000,
    }
    expect(seller.locator("select[name=package_business_price]")).to_have_value("12000")
