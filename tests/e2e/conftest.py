"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against live_server.

Screenshots go to test-results/<test name>/ (not committed). tests/conftest.py marks every test here e2e and
slow, and keeps them on one xdist worker."""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Shots:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    def __call__(self, page, name):
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shot(request):
    return Shots(RESULTS / re.sub(r"[^\w.-]+", "_", request.node.name))


@pytest.fixture
def new_page(browser, live_server):
    """Make a fresh browser context (its own cookies) per person; dialogs (confirm()) are accepted."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, username, password):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button:has-text('Log in')")
    assert "/accounts/login/" not in page.url, f"login of {username} failed"


def demo_login(page, username):
    """Log a demo person in (seed_demo's password); they land on their dashboard."""
    from accounts.demo import DEMO_PASSWORD

    login(page, username, DEMO_PASSWORD)
    page.wait_for_url(re.compile(r".*/dashboard/$"))
