"""The first journey of a new person, in a real browser: sign up, confirm the e-mail from the outbox, log
in, edit the profile with an avatar, switch mode, see a notification (A1, A4, A8, A9, A11)."""

import io
import re

import pytest
from django.core import mail
from PIL import Image

from accounts.models import User


@pytest.mark.django_db(transaction=True)
def test_a1_a4_a8_a9_a11_signup_confirm_login_profile_mode_notification(page, shot, tmp_path):
    page.goto("/")
    shot(page, "home")
    page.click("text=Join")
    page.fill("input[name=email]", "Olga.Writer@Example.com")
    page.fill("input[name=username]", "olga_writer")
    page.fill("input[name=password1]", "blue-sky-writing-42")
    page.fill("input[name=password2]", "blue-sky-writing-42")
    # A bad login first: the form keeps the input and explains the refusal next to the field.
    page.fill("input[name=username]", "support")
    page.check("input[name=is_adult]")
    page.check("input[name=accept_terms]")
    page.click("button:has-text('Create account')")
    page.wait_for_selector("text=This login is reserved for the site and its staff")
    assert page.input_value("input[name=email]") == "Olga.Writer@Example.com"
    shot(page, "signup-refused-login")
    page.fill("input[name=username]", "olga_writer")
    page.fill("input[name=password1]", "blue-sky-writing-42")
    page.fill("input[name=password2]", "blue-sky-writing-42")
    page.check("input[name=is_adult]")
    page.check("input[name=accept_terms]")
    page.click("button:has-text('Create account')")
    page.wait_for_selector("text=Confirm your e-mail address")
    shot(page, "verification-sent")

    user = User.objects.get(username="olga_writer")
    assert user.adult_confirmed_at and user.terms_accepted_at
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    shot(page, "confirm-email")
    page.click("button:has-text('Confirm')")
    page.wait_for_url(re.compile(r".*/dashboard/$"))

    # Log out and in again with the login (A1: e-mail or login).
    page.click("summary[aria-label='Account menu']")
    page.click("button:has-text('Log out')")
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "olga_writer")
    page.fill("input[name=password]", "blue-sky-writing-42")
    page.click("main button:has-text('Log in')")
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    assert page.locator("[data-testid=unread-count]").inner_text() == "1"
    shot(page, "dashboard-buyer")

    # Profile with an avatar (A9).
    avatar = tmp_path / "olga.png"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 120), (245, 158, 11)).save(buffer, "PNG")
    avatar.write_bytes(buffer.getvalue())
    page.goto("/account/settings/")
    page.fill("input[name=display_name]", "Olga Writer")
    page.fill("input[name=city]", "Vienna")
    page.fill("textarea[name=about]", "Copywriter for tea shops and small brands.")
    page.set_input_files("input[name=avatar]", str(avatar))
    page.click("button:has-text('Save profile')")
    page.wait_for_selector("text=Your profile has been saved.")
    shot(page, "settings-saved")
    page.goto("/u/olga_writer/")
    assert page.locator("img.avatar-lg").count() == 1
    page.wait_for_selector("text=Copywriter for tea shops")
    shot(page, "public-profile")

    # Mode switch (A8): the header menu and the dashboard change.
    page.goto("/dashboard/")
    page.click(".mode-switch button:has-text('Seller')")
    page.wait_for_selector("[data-testid=seller-dashboard]")
    assert page.locator(".main-nav > a.nav-link", has_text="My Kworks").count() == 1
    assert page.locator(".main-nav > a.nav-link", has_text="Favourites").count() == 0
    shot(page, "dashboard-seller")

    # The notification centre (A11).
    page.click("a.bell")
    page.wait_for_selector("text=Welcome to Gigly!")
    shot(page, "notifications")
    page.click("button:has-text('Mark all as read')")
    page.wait_for_selector("text=All notifications are marked as read.")
    assert page.locator("[data-testid=unread-count]").count() == 0
