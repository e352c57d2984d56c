"""The catalogue journey in a real browser (C1–C7, C12, C13): a seller creates a Kwork with options and gallery
images, a moderator approves it in the admin, a buyer finds it by keyword and by an attribute filter, hearts
it and puts it in the cart with an option."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts import demo as accounts_demo
from marketplace import demo as marketplace_demo
from marketplace.models import Category, Kwork
from tests.e2e.conftest import demo_login
from tests.marketplace.factories import KworkFactory

TITLE = "I will build a Tilda landing page for your bakery"


def png(path, color):
    image = Image.new("RGB", (640, 480), color)
    for x in range(0, 640, 40):
        image.paste((255, 255, 255), (x, 200, x + 20, 280))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.mark.django_db(transaction=True)
def test_c2_c3_c7_c12_c13_create_moderate_find_favourite_cart(new_page, shot, tmp_path):
    accounts_demo.seed(lambda *_: None)
    marketplace_demo._tree(lambda *_: None)
    sub = Category.objects.get(slug="full-website-creation")
    # Competition in the same subcategory, made with WordPress: the CMS filter must leave it out.
    KworkFactory(category=sub, title="I will build a WordPress site for your shop", price_cents=5000)

    # --- the seller creates a Kwork ----------------------------------------------------------------------
    seller = new_page()
    demo_login(seller, "sergio")
    seller.goto("/seller/kworks/new/")
    seller.select_option("select[name=category]", label="Development & IT › Full website creation")
    seller.wait_for_selector("#attributes select")  # htmx loaded the subcategory's attributes (C1)
    seller.get_by_label("Type of service").select_option(label="Landing page")
    seller.get_by_label("CMS").select_option(label="Tilda")
    seller.get_by_label("Uniqueness").select_option(label="Unique design")
    seller.fill("input[name=title]", TITLE)
    seller.fill(
        "textarea[name=description]",
        "A one-page site on Tilda for a bakery or a café: menu, photos, opening hours and an order form. "
        "Mobile-friendly and fast.",
    )
    seller.fill("input[name=volume]", "1 landing page")
    seller.fill("input[name=price]", "25")
    seller.fill("input[name=lead_time_days]", "3")
    seller.fill("input[name=option_0_title]", "Copywriting for the page")
    seller.fill("input[name=option_0_price]", "300")  # too much: C3 allows $4 to $200
    seller.click("button[data-add-option]")
    seller.fill("input[name=option_1_title]", "Online booking widget")
    seller.fill("input[name=option_1_price]", "15")
    shot(seller, "seller-editor")
    seller.click("button:has-text('Save draft')")
    seller.wait_for_selector("text=must cost the buyer from $4.00 to $200.00")
    assert seller.input_value("input[name=title]") == TITLE  # the form kept the input
    shot(seller, "seller-editor-refused-option")
    seller.fill("input[name=option_0_price]", "30")
    seller.click("button:has-text('Save draft')")
    seller.wait_for_selector("text=Draft saved.")
    kwork = Kwork.objects.get(title=TITLE)
    assert kwork.options.count() == 2 and kwork.status == Kwork.Status.DRAFT

    seller.set_input_files("input[name=image]", png(tmp_path / "cover.png", (15, 118, 110)))
    seller.click("button:has-text('Upload image')")
    seller.wait_for_selector("text=Image added.")
    seller.set_input_files("input[name=image]", png(tmp_path / "second.png", (180, 83, 9)))
    seller.click("button:has-text('Upload image')")
    seller.wait_for_selector(".editor-gallery figure >> nth=1")
    shot(seller, "seller-gallery")
    seller.click("[data-testid=send-to-moderation]")
    seller.wait_for_selector("text=Sent to moderation.")
    assert seller.locator("[data-testid=my-kworks] .pill-warn").first.inner_text() == "On moderation"
    shot(seller, "seller-my-kworks")

    # --- the moderator approves it in the admin (C7) -----------------------------------------------------
    moderator = new_page()
    demo_login(moderator, "maria")
    moderator.goto("/admin/marketplace/moderationqueue/")
    moderator.wait_for_selector(f"text={TITLE}")
    shot(moderator, "admin-moderation-queue")
    moderator.check(f"input[name=_selected_action][value='{kwork.pk}']")
    moderator.select_option("select[name=action]", "approve")
    moderator.click("button[name=index]")
    moderator.wait_for_selector("text=Approved 1 Kwork.")
    shot(moderator, "admin-approved")
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.ACTIVE

    # --- the buyer finds it by keyword and by attribute (C12) --------------------------------------------
    buyer = new_page()
    demo_login(buyer, "bella")
    buyer.fill("#site-search", "tilda landing")
    buyer.press("#site-search", "Enter")
    buyer.wait_for_selector(f"[data-testid=kwork-card]:has-text('{TITLE}')")
    shot(buyer, "buyer-search")

    buyer.goto("/category/full-website-creation/")
    assert buyer.locator("[data-testid=kwork-card]").count() == 2
    buyer.check("[data-testid=attr-cms] input[value=tilda]")  # htmx: results update, the URL is shareable
    buyer.wait_for_url(re.compile(r".*cms=tilda.*"))
    expect(buyer.locator("[data-testid=kwork-card]")).to_have_count(1)
    assert TITLE in buyer.locator("[data-testid=kwork-card]").inner_text()
    shot(buyer, "buyer-filter-cms-tilda")

    # --- heart, Kwork page with live total, cart (C5, C13) -----------------------------------------------
    card = buyer.locator(f"[data-testid=kwork-card]:has-text('{TITLE}')")
    card.locator("[data-testid=heart]").click()
    buyer.wait_for_selector("[data-testid=kwork-card] [data-testid=heart][aria-pressed=true]")
    card.locator("h3 a").click()
    buyer.wait_for_selector("[data-testid=order-form]")
    assert buyer.locator("[data-testid=quote-total]").inner_text() == "$25.00"
    buyer.check("text=Copywriting for the page")
    expect(buyer.locator("[data-testid=quote-total]")).to_have_text("$55.00")
    buyer.fill("#quantity", "2")
    buyer.press("#quantity", "Tab")
    expect(buyer.locator("[data-testid=quote-total]")).to_have_text("$80.00")
    assert buyer.locator("[data-testid=quote-lead]").inner_text() == "5 days"  # 3 + ceil(3 / 2)
    shot(buyer, "buyer-kwork-page")
    buyer.click("[data-testid=add-to-cart]")
    buyer.wait_for_selector("[data-testid=cart]")
    assert buyer.locator("[data-testid=cart-total]").inner_text() == "$80.00"
    assert "Copywriting for the page" in buyer.locator("[data-testid=cart]").inner_text()
    shot(buyer, "buyer-cart")
    buyer.goto("/favourites/")
    assert TITLE in buyer.locator("[data-testid=favourites]").inner_text()
    shot(buyer, "buyer-favourites")
