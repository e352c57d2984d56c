"""Order journeys in a real browser (O1, O2, O3, O4, O6, O7, O14, P3, M1): a buyer orders a Kwork with an option,
sends the requirements, the seller starts and delivers with a file, the buyer asks for a revision, the seller
delivers again, the buyer accepts, and both balances show the right sums; a quick cancellation within 20 minutes;
a buyer short of money adds exactly the missing amount and comes back to finish the order."""

import re

import pytest

from orders.models import Order
from payments.models import EscrowHold
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory, verified
from tests.marketplace.factories import KworkFactory, OptionFactory, png_bytes
from tests.support import fund, main_of

pytestmark = pytest.mark.django_db(transaction=True)
CHAT_REFRESH_MS = 15_000  # templates/orders/partials/chat_messages.html: hx-trigger="every 15s"


def people_and_kwork(buyer_cents):
    seller = verified(UserFactory(username="sergio_design", display_name="Sergio Design"))
    buyer = verified(UserFactory(username="bella_buyer", display_name="Bella Buyer"))
    kwork = KworkFactory(
        seller=seller,
        title="I will design a clean, modern logo",
        price_cents=1000,
        lead_time_days=3,
        instructions="Tell me your brand name, two colours you like, and where the logo will be used.",
    )
    option = OptionFactory(kwork=kwork, title="Source files (AI, SVG)", price_cents=500)
    if buyer_cents:
        fund(buyer, buyer_cents)
    return buyer, seller, kwork, option


def watched(page):
    """A person's page on Playwright's clock: time flows as usual, and the test can jump it forward."""
    page.clock.install()
    return page


def after_chat_refresh(page, selector):
    """Let the chat's 15 s refresh happen now and wait for what it brings (`selector`). When the other side
    changed the order, the refresh answers HX-Refresh and the page reloads itself: never reload or leave such a
    page ourselves (the two navigations race and one aborts the other); wait for the reloaded page instead."""
    page.clock.fast_forward(CHAT_REFRESH_MS)
    page.wait_for_selector(selector)


def status_is(text):
    return f"[data-testid=status]:has-text('{text}')"


def balance_main(page):
    page.goto("/balance/")
    return page.locator("[data-testid=main] strong").inner_text()


def test_o1_o3_o4_o6_o7_p3_order_revision_accept_and_balances(new_page, shot, tmp_path):
    buyer, seller, kwork, option = people_and_kwork(2000)
    logo = tmp_path / "logo-v1.png"
    logo.write_bytes(png_bytes(size=(120, 80)))
    logo2 = tmp_path / "logo-v2.png"
    logo2.write_bytes(png_bytes(size=(160, 100), color=(200, 90, 30)))

    # The buyer orders the Kwork with an option: paid at once from the balance, held in escrow (O1).
    bella = watched(new_page())
    login(bella, buyer.username, PASSWORD)
    bella.goto(kwork.get_absolute_url())
    bella.check(f"input[name=options][value='{option.pk}']")
    bella.wait_for_selector("#quote:has-text('$15.00')")
    shot(bella, "buyer-kwork-with-option")
    bella.click("[data-testid=order-button]")
    bella.wait_for_url(re.compile(r".*/orders/\d+/$"))
    order = Order.objects.get(buyer=buyer)
    assert bella.locator("[data-testid=order-total]").inner_text() == "$15.00"
    assert "$15.00 held in escrow" in bella.locator("[data-testid=escrow]").inner_text()
    assert "Source files (AI, SVG)" in bella.locator("[data-testid=summary]").inner_text()
    assert "Tell me your brand name" in bella.locator("[data-testid=requirements]").inner_text()
    shot(bella, "buyer-order-placed")

    # The requirements (O3: the seller needs them to start).
    bella.fill("textarea[name=text]", "Brand: Acme Bakery. Colours: teal and cream. Used on the shop sign.")
    bella.click("[data-testid=send-requirements]")
    bella.wait_for_selector("text=Your requirements were sent to the seller.")
    shot(bella, "buyer-requirements-sent")

    # The seller sees it under "Orders to do" and starts (O3/O4: due = start + lead time).
    sergio = watched(new_page())
    login(sergio, seller.username, PASSWORD)
    sergio.click("button[name=mode][value=seller]")
    sergio.wait_for_selector("[data-testid=nav-orders-to-do]:has-text('1')")
    sergio.click("[data-testid=nav-orders-to-do]")
    sergio.wait_for_selector("[data-testid=orders]")
    assert "Start working" in sergio.locator("[data-testid=orders]").inner_text()
    shot(sergio, "seller-orders-to-do")
    sergio.click(f"a[href='/orders/{order.pk}/']")
    assert "Acme Bakery" in sergio.locator("[data-testid=requirements]").inner_text()
    shot(sergio, "seller-new-order")
    sergio.click("[data-testid=start]")
    sergio.wait_for_selector("text=Work started.")
    assert sergio.locator("[data-testid=status]").inner_text() == "In progress"
    shot(sergio, "seller-started")
    sergio.goto("/dashboard/")
    assert "1" in sergio.locator("[data-testid=orders-card-seller]").inner_text()
    shot(sergio, "seller-dashboard")
    sergio.goto(f"/orders/{order.pk}/")

    # The chat: the seller writes (htmx, no reload); the buyer's open page shows it at its next refresh.
    sergio.fill("#chat-form textarea[name=text]", "Thanks! First drafts tomorrow.")
    sergio.click("[data-testid=send-message]")
    sergio.wait_for_selector("#chat-messages .chat-message.mine:has-text('First drafts tomorrow')")
    after_chat_refresh(bella, "#chat-messages:has-text('First drafts tomorrow')")
    shot(bella, "buyer-chat-refreshed")

    # The seller delivers with a file (O6).
    sergio.fill("[data-testid=deliver-form] textarea[name=message]", "Here is the first version of your logo.")
    sergio.set_input_files("[data-testid=deliver-form] input[name=files]", str(logo))
    sergio.click("[data-testid=deliver]")
    sergio.wait_for_selector("text=Delivered. The buyer has 3 days")
    shot(sergio, "seller-delivered")

    # The buyer's open page notices the delivery by itself (the chat's refresh reloads it when the order changed).
    after_chat_refresh(bella, status_is("Delivered"))
    # The buyer asks for a revision with a reason (O6/O7): back to work.
    assert "logo-v1.png" in bella.locator("[data-testid=deliveries]").inner_text()
    shot(bella, "buyer-review")
    bella.fill("textarea[name=reason]", "Please make the lettering bolder.")
    bella.click("[data-testid=request-revision]")
    bella.wait_for_selector("text=The order went back to the seller for a revision.")
    assert bella.locator("[data-testid=status]").inner_text() == "In progress"
    shot(bella, "buyer-revision-requested")

    # The seller's open page notices the revision by itself; the seller delivers again.
    after_chat_refresh(sergio, status_is("In progress"))
    assert "Please make the lettering bolder." in sergio.locator("[data-testid=deliveries]").inner_text()
    sergio.fill("[data-testid=deliver-form] textarea[name=message]", "Bolder lettering, as you asked.")
    sergio.set_input_files("[data-testid=deliver-form] input[name=files]", str(logo2))
    sergio.click("[data-testid=deliver]")
    sergio.wait_for_selector("text=Delivered. The buyer has 3 days")

    # The buyer accepts: completed, the escrow pays the seller 80 % (P3).
    after_chat_refresh(bella, status_is("Delivered"))
    bella.check("[data-testid=portfolio-consent-no]")  # C14: the accept form asks, nothing preselected
    bella.click("[data-testid=accept]")
    bella.wait_for_selector("text=The order is completed and the seller has been paid.")
    assert bella.locator("[data-testid=status]").inner_text() == "Completed"
    assert "Paid to the seller" in bella.locator("[data-testid=escrow]").inner_text()
    timeline = bella.locator("[data-testid=timeline]").inner_text()
    for step in ("Order placed and paid", "Work started", "Work delivered", "Revision requested", "Completed"):
        assert step in timeline
    shot(bella, "buyer-completed")

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.escrow_hold.status == EscrowHold.Status.RELEASED
    assert balance_main(bella) == "$5.00"  # $20 − $15
    shot(bella, "buyer-balance")
    after_chat_refresh(sergio, status_is("Completed"))
    assert balance_main(sergio) == "$12.00"  # 80 % of $15
    shot(sergio, "seller-balance")
    assert (main_of(buyer), main_of(seller)) == (500, 1200)


def test_o2_buyer_cancels_within_20_minutes_and_the_refund_is_on_the_balance(page, shot):
    buyer, _seller, kwork, _option = people_and_kwork(1000)
    login(page, buyer.username, PASSWORD)
    page.goto(kwork.get_absolute_url())
    page.click("[data-testid=order-button]")
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    assert balance_main(page) == "$0.00"
    page.go_back()
    page.reload()
    page.click("text=Other cancellation reasons")
    assert page.locator("[data-testid=cancel-form] input[value=buyer_misunderstanding]").count() == 1
    assert page.locator("[data-testid=cancel-form] input[value=buyer_late]").count() == 0  # not overdue (O5)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "order-with-quick-cancel-and-reasons")
    page.click("[data-testid=quick-cancel]")
    page.wait_for_selector("text=The order is cancelled and the money is back on your balance.")
    assert page.locator("[data-testid=status]").inner_text() == "Cancelled"
    assert "Refunded to the buyer" in page.locator("[data-testid=escrow]").inner_text()
    shot(page, "order-cancelled")
    assert balance_main(page) == "$10.00"
    statement = page.locator("table.statement").inner_text()
    assert f"Refund for order #{Order.objects.get(buyer=buyer).pk}" in statement  # said in words
    assert "order:" not in statement  # never the internal reference
    shot(page, "balance-after-refund")
    order = Order.objects.get(buyer=buyer)
    assert order.status == Order.Status.CANCELLED and not order.counts_against_seller


def test_o1_short_of_money_adds_exactly_the_missing_amount_and_comes_back_to_order(page, shot, settings):
    settings.PAYMENTS_TEST_TOPUP = True
    buyer, _seller, kwork, option = people_and_kwork(300)
    login(page, buyer.username, PASSWORD)
    page.goto(kwork.get_absolute_url())
    page.check(f"input[name=options][value='{option.pk}']")
    page.wait_for_selector("#quote:has-text('$15.00')")
    page.click("[data-testid=order-button]")
    page.wait_for_url(re.compile(r".*/balance/add/\?.*"))
    assert "amount_cents=1200" in page.url  # $15 − $3 on the balance
    assert page.input_value("input[name=amount]") in ("12.00", "12")
    assert page.locator("text=$12.00 is missing").count() == 1
    shot(page, "topup-missing-amount")
    assert not Order.objects.exists()
    page.click("button:has-text('Add test money')")
    # Back on the Kwork page with the same choice: one click orders.
    page.wait_for_url(re.compile(rf".*/kwork/{kwork.pk}/\?.*"))
    assert page.is_checked(f"input[name=options][value='{option.pk}']")
    page.wait_for_selector("#quote:has-text('$15.00')")
    shot(page, "back-on-kwork-with-choice")
    page.click("[data-testid=order-button]")
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    assert page.locator("[data-testid=order-total]").inner_text() == "$15.00"
    shot(page, "order-after-topup")
    assert main_of(buyer) == 0
    assert Order.objects.get(buyer=buyer).total_cents == 1500


def test_o9_buyer_asks_to_cancel_and_the_seller_agrees(new_page, shot):
    from orders import services

    buyer, seller, kwork, _option = people_and_kwork(1000)
    order = services.order_place(buyer=buyer, kwork=kwork)
    services.order_start(order=order, seller=seller)

    bella = watched(new_page())
    login(bella, buyer.username, PASSWORD)
    bella.goto(f"/orders/{order.pk}/")
    bella.click("summary:has-text('Cancel the order…')")  # started: no quick cancel (O2), only the reasons
    bella.check("[data-testid=cancel-form] input[value=buyer_misunderstanding]")
    bella.fill("[data-testid=cancel-form] textarea[name=comment]", "We need a different style after all.")
    bella.click("[data-testid=cancel-submit]")
    bella.wait_for_selector("text=Your cancellation request was sent.")
    assert bella.locator("[data-testid=withdraw-request]").count() == 1
    bella.evaluate("window.scrollTo(0, 0)")
    shot(bella, "buyer-request-sent")

    sergio = new_page()
    login(sergio, seller.username, PASSWORD)
    sergio.goto("/orders/selling/")
    assert "Answer the cancellation request" in sergio.locator("[data-testid=orders]").inner_text()
    shot(sergio, "seller-list-with-request")
    sergio.goto(f"/orders/{order.pk}/")
    request_box = sergio.locator("[data-testid=cancellation-request]")
    assert "Misunderstanding with the seller" in request_box.inner_text()
    assert "We need a different style after all." in request_box.inner_text()
    shot(sergio, "seller-sees-request")
    sergio.click("[data-testid=accept-request]")
    sergio.wait_for_selector("text=You agreed: the order is cancelled")
    assert sergio.locator("[data-testid=status]").inner_text() == "Cancelled"
    shot(sergio, "seller-agreed")
    # The same page on a phone: one column, nothing wider than the screen.
    sergio.set_viewport_size({"width": 390, "height": 844})
    sergio.goto("/orders/selling/?state=all")
    shot(sergio, "phone-seller-list")
    sergio.goto(f"/orders/{order.pk}/")
    assert sergio.evaluate("document.documentElement.scrollWidth") <= 390
    shot(sergio, "phone-order-page")
    after_chat_refresh(bella, status_is("Cancelled"))
    assert balance_main(bella) == "$10.00"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and not order.counts_against_seller
