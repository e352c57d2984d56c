"""The support desk in a real browser (T3, A12, T6): a user's ticket answered by Support, and a seller's identity
check approved so the "Verified specialist" badge shows. Screenshots at 1366 px and 390 px wide."""

import io
from importlib import import_module

import pytest
from PIL import Image

from accounts.models import IdentityCheck, StaffAction
from accounts.roles import SUPPORT, sync_role_permissions
from arbitration.models import Ticket
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory, in_group, verified

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": 1366, "phone": 390}


def both_widths(page, shot, name):
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, f"{name}-{label}")
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def png_file(tmp_path, name):
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (200, 210, 230)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.fixture
def people():
    # A transactional test database starts without the data migrations' rows: put the groups and badges back.
    from django.apps import apps as django_apps

    import_module("accounts.migrations.0002_roles_and_badges").forwards(django_apps, None)
    sync_role_permissions()
    user = verified(UserFactory(username="bella_user", display_name="Bella"))
    seller = verified(UserFactory(username="sergio_seller", display_name="Sergio"))
    agent = verified(in_group(UserFactory(username="sam_support"), SUPPORT))
    return user, seller, agent


def test_t3_a_users_ticket_is_answered_by_support(new_page, shot, people, tmp_path):
    user, _, agent = people
    bella = new_page()
    login(bella, user.username, PASSWORD)
    bella.goto("/rules/support/")
    bella.click("text=Open a support ticket")
    bella.select_option("#id_topic", "payments")
    bella.fill("#id_subject", "My top-up is not on my balance")
    bella.fill("#id_text", "I paid $20 an hour ago; the balance did not change.")
    bella.set_input_files("#id_files", png_file(tmp_path, "receipt.png"))
    both_widths(bella, shot, "user-new-ticket")
    with bella.expect_navigation():
        bella.click("main button:has-text('Send to support')")
    ticket = Ticket.objects.get(user=user)
    bella.wait_for_selector("text=Waiting for support")

    sam = new_page()
    login(sam, agent.username, PASSWORD)
    sam.goto("/backoffice/")
    both_widths(sam, shot, "backoffice-home")
    sam.click("a:has-text('Support tickets')")
    sam.wait_for_selector("text=First answer due in")
    sam.click(f"text=#{ticket.pk} My top-up is not on my balance")
    sam.fill("textarea[name=text][aria-label='Staff note']", "Card payment found in the provider's log.")
    with sam.expect_navigation():
        sam.click("button:has-text('Add note')")
    sam.fill("#id_text", "Found it: the payment is credited now. Sorry for the wait!")
    both_widths(sam, shot, "support-ticket")
    with sam.expect_navigation():
        sam.click("button:has-text('Send and mark resolved')")
    sam.wait_for_selector("text=Answer sent; the ticket is resolved.")

    bella.reload()
    bella.wait_for_selector("text=Found it: the payment is credited now.")
    assert "Card payment found" not in bella.content()
    bella.wait_for_selector(".pill:has-text('Resolved')")
    both_widths(bella, shot, "user-answered-ticket")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.first_answered_at is not None


def test_a12_a_sellers_identity_check_is_approved_and_the_badge_shows(new_page, shot, people, tmp_path):
    _, seller, agent = people
    sergio = new_page()
    login(sergio, seller.username, PASSWORD)
    sergio.goto("/account/settings/")
    sergio.click("text=Identity check")
    sergio.set_input_files("#id_document", png_file(tmp_path, "passport.png"))
    with sergio.expect_navigation():
        sergio.click("button:has-text('Send for checking')")
    sergio.wait_for_selector("text=waiting for our staff")
    both_widths(sergio, shot, "seller-identity-waiting")
    check = IdentityCheck.objects.get(user=seller)

    sam = new_page()
    login(sam, agent.username, PASSWORD)
    sam.goto("/backoffice/identity/")
    both_widths(sam, shot, "support-identity-queue")
    with sam.expect_popup() as popup:
        sam.click("text=Open “passport.png”")
    popup.value.close()
    assert StaffAction.objects.filter(action="identity.document_view", target_id=str(check.pk)).count() == 1
    with sam.expect_navigation():
        sam.click("button:has-text('Approve')")
    sam.wait_for_selector("text=is now a Verified specialist")

    sergio.goto(f"/u/{seller.username}/")
    sergio.wait_for_selector("text=Verified specialist")
    both_widths(sergio, shot, "seller-profile-badge")
    sergio.goto("/account/identity/")
    sergio.wait_for_selector("text=Your identity is confirmed")
