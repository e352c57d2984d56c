"""Money in a real browser: add funds in test mode, read the statement, redeem a promo code, save a payout
card (the one-week lock, P6), request a withdrawal with the live fee (P4), and support approves it in the
back office (P1, P4, P6, P8, T6)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AccountChange
from payments.models import PromoCode, Withdrawal
from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory, in_group, verified


@pytest.mark.django_db(transaction=True)
def test_p1_p4_p6_p8_add_funds_statement_withdraw_and_support_approves(page, new_page, shot, settings):
    settings.PAYMENTS_TEST_TOPUP = True
    from accounts.roles import sync_role_permissions

    sync_role_permissions()
    seller = verified(UserFactory(username="paula", display_name="Paula Payne", mode="seller"))
    support = in_group(verified(UserFactory(username="sam_support", display_name="Sam Support")), "Support")
    PromoCode.objects.create(code="WELCOME10", amount_cents=1000)

    login(page, seller.username, PASSWORD)
    page.goto("/balance/")
    assert page.inner_text("[data-testid=main]").startswith("$0.00")
    page.click("a.btn:has-text('Add funds')")
    page.wait_for_selector(".testmode")
    page.fill("input[name=amount]", "120")
    shot(page, "add-funds-test-mode")
    page.click("button:has-text('Add test money')")
    page.wait_for_url(re.compile(r".*/balance/$"))
    page.wait_for_selector("text=Test mode: $120.00 added to your balance.")

    page.fill("input[name=code]", "nope")
    page.click("button:has-text('Apply code')")
    page.wait_for_selector("text=There is no promo code “NOPE”")
    assert page.input_value("input[name=code]") == "nope"
    page.fill("input[name=code]", "welcome10")
    page.click("button:has-text('Apply code')")
    page.wait_for_selector("text=$10.00 added to your bonus balance.")
    assert page.inner_text("[data-testid=main]").startswith("$120.00")
    assert page.inner_text("[data-testid=bonus]").startswith("$10.00")
    assert page.locator("table.statement tbody tr").count() == 2
    shot(page, "balance-and-statement")

    page.goto("/balance/withdraw/")
    page.fill("input[name=holder_name]", "Paula Payne")
    page.fill("input[name=card_last4]", "4242")
    page.click("button:has-text('Save payout card')")
    page.wait_for_selector("[data-testid=locked]")
    shot(page, "payout-card-saved-locked")
    # While locked the page says $0 can be withdrawn now, and from when; it offers no request form.
    assert page.locator("[data-testid=withdrawable]").inner_text() == "$0.00"
    assert page.locator("[data-testid=withdrawable-later]").count() == 1
    assert page.locator("button:has-text('Request withdrawal')").count() == 0
    assert not Withdrawal.objects.exists()

    # A week later the lock is over (the change is moved back eight days).
    AccountChange.objects.filter(user=seller).update(created_at=timezone.now() - timedelta(days=8))
    page.goto("/balance/withdraw/")
    assert page.locator("[data-testid=locked]").count() == 0
    page.fill("input[name=amount]", "5")
    page.wait_for_selector("#quote >> text=The minimum withdrawal is $10.00")
    page.fill("input[name=amount]", "50")
    page.wait_for_selector("[data-testid=receive]:has-text('$47.75')")
    assert "$2.25" in page.inner_text("#quote")
    shot(page, "withdraw-live-fee")
    page.click("button:has-text('Request withdrawal')")
    page.wait_for_selector("text=Withdrawal of $50.00 requested")
    assert page.inner_text("[data-testid=withdrawable]").startswith("$70.00")
    shot(page, "withdrawal-requested")

    staff = new_page()
    login(staff, support.username, PASSWORD)
    staff.goto("/backoffice/")
    staff.click("a.card:has-text('withdrawals to review')")
    withdrawal = Withdrawal.objects.get()
    card = staff.locator(f"[data-testid=withdrawal-{withdrawal.pk}]")
    assert "paula" in card.inner_text() and "$47.75" in card.inner_text()
    shot(staff, "backoffice-withdrawals")
    card.locator("button:has-text('Approve')").click()
    staff.wait_for_selector(f"text=Withdrawal #{withdrawal.pk} approved")
    shot(staff, "backoffice-approved")
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.APPROVED and withdrawal.decided_by == support

    page.goto("/balance/withdraw/")
    page.wait_for_selector("text=Approved, in the next payout batch")
    shot(page, "seller-sees-approval")
    page.goto("/dashboard/")
    assert "$80.00" in page.inner_text("[data-testid=balance-card]")
    shot(page, "dashboard-balance-card")
    page.goto("/referrals/")
    assert "/r/paula/" in page.input_value("input.referral-link")
    shot(page, "referrals")
