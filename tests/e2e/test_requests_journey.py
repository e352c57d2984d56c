"""The buyer requests journey in a real browser (Q1–Q4, C15, O1): a buyer posts a request, a moderator activates
it in the admin, two sellers answer (a Newbie with a Kwork in the category, an Advanced seller with an individual
offer), and the buyer orders both, each paid into escrow. Screenshots at 1366 px and 390 px wide."""

import pytest

from accounts.roles import MODERATORS, sync_role_permissions
from buyer_requests.models import BuyerRequest, RequestOffer
from orders.models import Order
from ratings.models import SellerStats
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory, in_group, verified
from tests.marketplace.factories import CategoryFactory, KworkFactory, SubcategoryFactory
from tests.support import fund, main_of

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": 1366, "phone": 390}


def both_widths(page, shot, name):
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, f"{name}-{label}")
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_q1_q4_c15_request_moderated_two_offers_both_ordered(new_page, shot):
    sync_role_permissions()
    design = CategoryFactory(name="Design", slug="design")
    logos = SubcategoryFactory(parent=design, name="Logos", slug="logos")
    banners = SubcategoryFactory(parent=design, name="Banners", slug="banners")
    buyer = verified(UserFactory(username="bella_buyer", display_name="Bella Buyer"))
    verified(in_group(UserFactory(username="maria_mod", is_staff=True), MODERATORS))
    newbie = verified(UserFactory(username="nina_newbie", display_name="Nina Newbie"))
    pro = verified(UserFactory(username="sergio_pro", display_name="Sergio Pro"))
    # R7: the ratings app's figures make Sergio Advanced (the seller_level hook and his card read them).
    SellerStats.objects.create(seller=pro, level=SellerStats.Level.ADVANCED, completed_count=14, stars=4.9)
    newbie_kwork = KworkFactory(
        seller=newbie, category=logos, title="I will draw a friendly bakery logo", price_cents=3000
    )
    pro_kwork = KworkFactory(
        seller=pro, category=banners, title="I will design banners and logos", price_cents=2000
    )
    fund(buyer, 3000 + 7500)

    # The buyer posts a request (Q1); it waits for moderation.
    bella = new_page()
    login(bella, buyer.username, PASSWORD)
    bella.goto("/requests/new/")
    bella.fill("#id_title", "A logo for my family bakery")
    bella.fill("#id_description", "A warm, hand-drawn logo with a loaf of bread; two variants to choose from.")
    bella.select_option("#id_subcategory", label="Design › Logos")
    bella.fill("#id_budget", "80")
    both_widths(bella, shot, "buyer-new-request")
    bella.click("[data-testid=request-form] button[type=submit]")
    bella.wait_for_selector("[data-testid=pending-notice]")
    request = BuyerRequest.objects.get()
    assert request.status == BuyerRequest.Status.PENDING and request.budget_cents == 8000

    # A moderator activates it in the admin.
    maria = new_page()
    login(maria, "maria_mod", PASSWORD)
    maria.goto("/admin/buyer_requests/buyerrequest/")
    maria.check(f"input[name=_selected_action][value='{request.pk}']")
    maria.select_option("select[name=action]", "activate")
    maria.click("button[name=index]")
    maria.wait_for_selector("text=Activated 1 request.")
    both_widths(maria, shot, "moderator-activated")
    request.refresh_from_db()
    assert request.status == BuyerRequest.Status.ACTIVE

    # A Newbie answers with their Kwork in the category (Q3).
    nina = new_page()
    login(nina, newbie.username, PASSWORD)
    nina.goto("/requests/")
    nina.wait_for_selector(f"[data-testid=request-{request.pk}]")
    both_widths(nina, shot, "seller-browse")
    nina.click(f"[data-testid=request-{request.pk}] a")
    nina.select_option("#id_kwork", str(newbie_kwork.pk))
    nina.fill("#id_message", "Hi Bella! Logos for bakeries are my favourite; this Kwork covers it all.")
    both_widths(nina, shot, "newbie-offer-form")
    nina.click("[data-testid=send-offer]")
    nina.wait_for_selector("[data-testid=my-offer]")

    # An Advanced seller answers with an individual offer (C15).
    sergio = new_page()
    login(sergio, pro.username, PASSWORD)
    sergio.goto(request.get_absolute_url())
    sergio.check("input[name=kind][value=individual]")
    sergio.fill("#id_message", "I can make you a custom logo with a matching shop sign.")
    sergio.select_option("#id_custom-kwork", str(pro_kwork.pk))
    sergio.fill("#id_custom-title", "Bakery logo and shop sign")
    sergio.fill("#id_custom-description", "Two logo concepts, a shop sign in the same style, all source files.")
    sergio.fill("#id_custom-price", "75")
    sergio.fill("#id_custom-lead_time_days", "6")
    both_widths(sergio, shot, "advanced-individual-offer-form")
    sergio.click("[data-testid=send-offer]")
    sergio.wait_for_selector("[data-testid=my-offer]")
    assert RequestOffer.objects.count() == 2

    # The buyer sees both offers with the sellers' cards and orders both (Q4, O1).
    bella.goto(request.get_absolute_url())
    bella.wait_for_selector("[data-testid=offers-total]:has-text('2')")
    both_widths(bella, shot, "buyer-offers")
    for offer in RequestOffer.objects.order_by("pk"):
        bella.goto(request.get_absolute_url())
        with bella.expect_navigation():
            bella.click(f"[data-testid=offer-{offer.pk}] [data-testid=order-offer]")
        assert "/orders/" in bella.url
    bella.goto(request.get_absolute_url())
    assert bella.locator("[data-testid=ordered]").count() == 2
    both_widths(bella, shot, "buyer-ordered-both")
    orders = Order.objects.filter(buyer=buyer).order_by("total_cents")
    assert [order.total_cents for order in orders] == [3000, 7500]
    assert {order.seller for order in orders} == {newbie, pro}
    assert main_of(buyer) == 0
