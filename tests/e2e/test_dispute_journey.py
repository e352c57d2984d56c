"""O12/T6 in a real browser: the buyer opens a dispute with a file, the seller answers, Support takes the case,
reads the case file and decides a split; both balances and the order page show the result. Screenshots at
1366 px and 390 px wide."""

from importlib import import_module

import pytest

from accounts.roles import SUPPORT, sync_role_permissions
from arbitration.models import Dispute
from common.money import format_cents
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory, in_group, verified
from tests.marketplace.factories import KworkFactory, png_bytes
from tests.support import fund, main_of

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": 1366, "phone": 390}


def both_widths(page, shot, name):
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, f"{name}-{label}")
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_o12_t6_dispute_opened_answered_taken_and_split(new_page, shot, tmp_path):
    from django.apps import apps as django_apps

    from orders import services

    import_module("accounts.migrations.0002_roles_and_badges").forwards(django_apps, None)
    sync_role_permissions()
    seller = verified(UserFactory(username="sergio_design", display_name="Sergio Design"))
    buyer = verified(UserFactory(username="bella_buyer", display_name="Bella Buyer"))
    agent = verified(in_group(UserFactory(username="sam_support"), SUPPORT))
    kwork = KworkFactory(seller=seller, title="I will design a clean, modern logo", price_cents=1000)
    fund(buyer, 1000)
    order = services.order_place(buyer=buyer, kwork=kwork)
    services.order_start(order=order, seller=seller)
    proof = tmp_path / "wrong-logo.png"
    proof.write_bytes(png_bytes())

    bella = new_page()
    login(bella, buyer.username, PASSWORD)
    bella.goto(f"/orders/{order.pk}/")
    bella.click("[data-testid=open-dispute]")
    bella.fill("#id_description", "The logo uses colours we never agreed on and the seller stopped answering.")
    bella.check("input[name=outcome][value=split]")
    bella.fill("#id_refund", "6.00")
    bella.set_input_files("#id_files", str(proof))
    both_widths(bella, shot, "buyer-opens-dispute")
    with bella.expect_navigation():
        bella.click("[data-testid=dispute-open-submit]")
    bella.wait_for_selector("[data-testid=order-dispute]")
    dispute = Dispute.objects.get()
    assert dispute.statements.get().files.get().sha256

    sergio = new_page()
    login(sergio, seller.username, PASSWORD)
    sergio.goto(f"/orders/{order.pk}/")
    sergio.fill(
        "[data-testid=dispute-answer] textarea[name=text]", "I followed the brief; the colours were in it."
    )
    both_widths(sergio, shot, "seller-answers")
    with sergio.expect_navigation():
        sergio.click("[data-testid=dispute-answer] button")
    sergio.wait_for_selector("text=Your answer has been added to the case.")

    sam = new_page()
    login(sam, agent.username, PASSWORD)
    sam.goto("/backoffice/disputes/")
    both_widths(sam, shot, "support-queue")
    sam.click(f"text=#{order.pk}")
    with sam.expect_navigation():
        sam.click("[data-testid=take-case]")
    sam.wait_for_selector("[data-testid=decide-form]")
    assert "wrong-logo.png" in sam.locator("[data-testid=case-statements]").inner_text()
    assert "I followed the brief" in sam.locator("[data-testid=case-statements]").inner_text()
    assert "I will design a clean, modern logo" in sam.locator("[data-testid=case-kwork]").inner_text()
    both_widths(sam, shot, "case-file")
    sam.check("input[name=outcome][value=split]")
    sam.fill("#id_refund", "4.00")
    sam.fill("#id_seller_part", "6.00")
    sam.fill("#id_reasoning", "The colours were in the brief, but two of the three agreed variants are missing.")
    sam.once("dialog", lambda dialog: dialog.accept())
    with sam.expect_navigation():
        sam.click("[data-testid=decide-submit]")
    sam.wait_for_selector("text=The decision is final; both parties have been told.")
    shot(sam, "case-decided")

    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.DECIDED and dispute.refund_cents == 400
    bella.goto(f"/orders/{order.pk}/")
    outcome = bella.locator("[data-testid=dispute-outcome]").inner_text()
    assert "two of the three agreed variants are missing" in outcome and "$4.00" in outcome
    both_widths(bella, shot, "buyer-sees-outcome")
    bella.goto("/balance/")
    assert format_cents(main_of(buyer)) == "$4.00"
    assert "$4.00" in bella.locator("[data-testid=main]").inner_text()
    sergio.goto("/balance/")
    seller_cents = main_of(seller)
    assert seller_cents > 0
    assert format_cents(seller_cents) in sergio.locator("[data-testid=main]").inner_text()
    both_widths(sergio, shot, "seller-balance")
