"""Issue 13 in a real browser: the sign-up page's script sends the browser's time zone, the account keeps it, and
the pages show times in it (the settings say where, a deadline says its zone)."""

import re
from datetime import UTC, datetime

import pytest

from accounts.models import AccountChange, User
from tests.factories import verified


@pytest.mark.django_db(transaction=True)
def test_signup_detects_the_browsers_zone_and_pages_show_times_in_it(browser, live_server, shot):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, timezone_id="Asia/Tokyo"
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    try:
        page.goto("/accounts/signup/")
        assert page.input_value("input[name=time_zone]") == "Asia/Tokyo"  # filled by static/js/timezone.js
        page.fill("input[name=email]", "kenji@example.com")
        page.fill("input[name=username]", "kenji")
        page.fill("input[name=password1]", "quiet-river-stones-42")
        page.fill("input[name=password2]", "quiet-river-stones-42")
        page.check("input[name=is_adult]")
        page.check("input[name=accept_terms]")
        shot(page, "signup")
        page.click("button:has-text('Create account')")
        page.wait_for_selector("h1:has-text('Confirm your e-mail address')")
        shot(page, "verification-sent")
        assert console_errors == []  # no script refused by the Content-Security-Policy

        user = verified(User.objects.get(username="kenji"))
        assert user.time_zone == "Asia/Tokyo"
        AccountChange.objects.create(
            user=user, kind=AccountChange.Kind.EMAIL, created_at=datetime(2026, 12, 3, 22, 54, tzinfo=UTC)
        )

        page.goto("/accounts/login/")
        assert page.locator("text=Forgot your password?").count() == 1
        shot(page, "login")
        page.fill("input[name=login]", "kenji")
        page.fill("input[name=password]", "quiet-river-stones-42")
        page.click("main button:has-text('Log in')")
        page.wait_for_url(re.compile(r".*/dashboard/$"))
        page.goto("/account/settings/")
        assert page.input_value("select[name=time_zone]") == "Asia/Tokyo"
        # The lock a week after the change, 10 Dec 22:54 UTC, where the person is.
        assert "locked until 11 Dec 2026, 07:54 JST" in page.locator("main").inner_text()
        shot(page, "settings")

        # The library's account pages speak like the site (sentence case), and keep working.
        for url, heading in [
            ("/accounts/password/change/", "Change password"),
            ("/accounts/2fa/", "Two-factor authentication"),
            ("/accounts/2fa/totp/activate/", "Set up an authenticator app"),
        ]:
            page.goto(url)
            if page.locator("h1").inner_text() == "Confirm it is you":  # the library asks before 2FA changes
                shot(page, "confirm-it-is-you")
                page.fill("input[name=password]", "quiet-river-stones-42")
                page.click("main button:has-text('Confirm')")
                page.wait_for_url(re.compile(re.escape(url) + "$"))
            assert page.locator("h1").inner_text() == heading
            shot(page, heading.lower().replace(" ", "-"))
        assert page.locator("input#authenticator_secret").input_value()
        assert page.locator("img[alt^='QR code']").count() == 1
        assert console_errors == []
        page.goto("/account/settings/")
        assert page.locator("[data-testid=use-browser-time-zone]").count() == 0  # already this browser's zone
    finally:
        context.close()

    # Travelling: a browser elsewhere offers its own zone in the settings, and saving it moves every time shown.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin"
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=login]", "kenji")
        page.fill("input[name=password]", "quiet-river-stones-42")
        page.click("main button:has-text('Log in')")
        page.wait_for_url(re.compile(r".*/dashboard/$"))
        page.goto("/account/settings/")
        offer = page.locator("[data-testid=use-browser-time-zone]")
        assert offer.inner_text() == "Use this device's time zone: Europe/Berlin"
        shot(page, "settings-offer-browser-zone")
        offer.click()
        assert page.input_value("select[name=time_zone]") == "Europe/Berlin"
        page.click("button:has-text('Save profile')")
        page.wait_for_selector("text=Your profile has been saved.")
        assert User.objects.get(username="kenji").time_zone == "Europe/Berlin"
        assert "locked until 10 Dec 2026, 23:54 CET" in page.locator("main").inner_text()
    finally:
        context.close()


def test_the_browser_countdown_says_less_than_a_minute_then_overdue(browser):
    # static/js/app.js keeps countdowns current in the same words as the server (common.dates.time_left).
    from datetime import timedelta

    from django.conf import settings

    now = datetime.now(UTC)
    cases = {
        "soon": (now + timedelta(seconds=30), "less than a minute left"),
        "just-late": (now - timedelta(seconds=10), "overdue"),
        "late": (now - timedelta(minutes=5, seconds=10), "overdue by 5m"),
        "hours": (now + timedelta(hours=2, minutes=5, seconds=30), "2h 5m left"),
        "days": (now + timedelta(days=3, hours=4, minutes=1), "3d 4h left"),
    }
    html = "".join(
        f'<time id="{key}" data-countdown datetime="{at.isoformat()}">…</time>' for key, (at, _) in cases.items()
    )
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content(f"<main>{html}</main>")
        page.add_script_tag(path=str(settings.BASE_DIR / "static" / "js" / "app.js"))
        for key, (_, text) in cases.items():
            assert page.locator(f"#{key}").inner_text() == text, key
        assert page.locator("#just-late").get_attribute("class") == "overdue"
        assert page.locator("#soon").get_attribute("class") in (None, "")
    finally:
        context.close()
