"""The reputation journey in a real browser (R1, R2, R6, R7, R10, C14): the buyer accepts the delivered work and
allows the portfolio, then leaves feedback (htmx); the seller responds and uploads the result; a moderator
approves the response in the admin; the feedback, the response and the picture show on the Kwork page and the
seller's public page; the seller opens "Your level". Screenshots at 1366 px and 390 px wide."""

import re

import pytest

from accounts.roles import MODERATORS, sync_role_permissions
from ratings.models import Feedback, FeedbackResponse
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory, in_group, verified
from tests.marketplace.factories import KworkFactory, png_bytes
from tests.orders.factories import delivered

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": 1366, "phone": 390}
FEEDBACK = "Sergio nailed it: a clean logo in two days, and he listened to every remark."
RESPONSE = "Thank you, Bella! It was a pleasure to work on your bakery's logo."


def both_widths(page, shot, name):
    """Screenshots of the page as it is, at the desktop and the phone width."""
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays at the top of a full-page shot
        shot(page, f"{name}-{label}")
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_r1_r2_r7_r10_c14_feedback_response_portfolio_and_level(new_page, shot, tmp_path):
    sync_role_permissions()
    seller = verified(UserFactory(username="sergio_design", display_name="Sergio Design"))
    buyer = verified(UserFactory(username="bella_buyer", display_name="Bella Buyer"))
    verified(in_group(UserFactory(username="maria_mod", is_staff=True), MODERATORS))
    kwork = KworkFactory(seller=seller, title="I will design a clean, modern logo", price_cents=1000)
    order = delivered(buyer=buyer, kwork=kwork)
    result = tmp_path / "logo-final.png"
    result.write_bytes(png_bytes(size=(640, 480), color=(15, 118, 110)))

    # The buyer accepts the work and allows the portfolio (C14: nothing preselected).
    bella = new_page()
    login(bella, buyer.username, PASSWORD)
    bella.goto(f"/orders/{order.pk}/")
    bella.check("[data-testid=portfolio-consent-yes]")
    bella.click("[data-testid=accept]")
    bella.wait_for_selector("[data-testid=feedback-form]")

    # The feedback form (htmx: the card is swapped in place, no reload).
    bella.check("input[name=verdict][value=like]")
    bella.fill("[data-testid=feedback-form] textarea[name=text]", FEEDBACK)
    both_widths(bella, shot, "buyer-feedback-form")
    bella.click("[data-testid=send-feedback]")
    bella.wait_for_selector("text=Thank you! Your feedback is published")
    assert FEEDBACK in bella.locator("[data-testid=order-feedback]").inner_text()
    assert Feedback.objects.filter(order=order, is_positive=True).exists()
    both_widths(bella, shot, "buyer-feedback-left")

    # The seller responds (waits for moderation), rates the buyer privately, and uploads the result.
    sergio = new_page()
    login(sergio, seller.username, PASSWORD)
    sergio.goto(f"/orders/{order.pk}/")
    sergio.fill("[data-testid=response-form] textarea[name=text]", RESPONSE)
    sergio.click("[data-testid=send-response]")
    sergio.wait_for_selector("[data-testid=response-status]:has-text('Waiting for moderation')")
    sergio.check("input[name=stars][value='5']")
    sergio.click("[data-testid=send-buyer-rating]")
    sergio.wait_for_selector("text=You rated the buyer")
    sergio.set_input_files("input[name=file]", str(result))
    sergio.click("[data-testid=portfolio-upload]")
    sergio.wait_for_selector("[data-testid=portfolio-current]")
    assert 'data-testid="buyer-card"' in sergio.content()
    both_widths(sergio, shot, "seller-order-responded")

    # Not public before moderation.
    visitor = new_page()
    visitor.goto(kwork.get_absolute_url())
    assert RESPONSE not in visitor.content()

    # A moderator approves the response in the admin (R2).
    maria = new_page()
    login(maria, "maria_mod", PASSWORD)
    maria.goto("/admin/ratings/feedbackresponse/")
    response = FeedbackResponse.objects.get(feedback__order=order)
    maria.check(f"input[name=_selected_action][value='{response.pk}']")
    maria.select_option("select[name=action]", "approve")
    maria.click("button[name=index]")
    maria.wait_for_load_state()
    shot(maria, "admin-response-approved")
    response.refresh_from_db()
    assert response.status == FeedbackResponse.Status.APPROVED

    # The Kwork page and the public profile: feedback, approved response, the picture beside it (R1, R2, C14).
    for url, name in ((kwork.get_absolute_url(), "kwork-page"), (f"/u/{seller.username}/", "profile")):
        visitor.goto(url)
        section = visitor.locator("[data-testid=feedback]")
        assert FEEDBACK in section.inner_text()
        assert RESPONSE in section.locator("[data-testid=feedback-response]").inner_text()
        assert (
            section.locator("[data-testid=portfolio-thumb] img, [data-testid=portfolio-thumb] video").count() == 1
        )
        visitor.locator("#feedback").scroll_into_view_if_needed()
        both_widths(visitor, shot, name)
    assert "Completed orders" in visitor.locator("[data-testid=seller-summary]").inner_text()

    # The filter swaps the list in place (htmx) and the URL can be shared.
    visitor.click("[data-testid=feedback-filter-negative]")
    visitor.wait_for_selector("#feedback:has-text('No negative feedback.')")
    assert re.search(r"\?feedback=negative$", visitor.url)

    # The seller's "Your level" page, from the account menu's link.
    sergio.goto(f"/u/{seller.username}/")
    sergio.click("text=Your level: what counts and what is missing")
    sergio.wait_for_url(re.compile(r".*/selling/level/$"))
    assert "Your level: Newbie" in sergio.locator("h1").inner_text()
    assert "Next: Advanced" in sergio.locator("[data-testid=level-next]").inner_text()
    both_widths(sergio, shot, "seller-your-level")
