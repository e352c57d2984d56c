"""Phones (issue 13): every main page of every role fits a 390 px wide screen without sideways scrolling and logs
no Content-Security-Policy error, at 390 and at 1366 px; the compact header's menu, the catalogue's filter drawer
and the Kwork page's order bar work on a phone, with and without JavaScript. Screenshots go to var/screens/ (not
committed). test_a11y.py walks the same pages with axe."""

import io
from importlib import import_module
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"
WIDTHS = {"phone": 390, "desktop": 1366}
DEMO_PASSWORD = "demo-pass-2026"
ROLES = {"visitor": None, "buyer": "bella", "seller": "sergio", "moderator": "maria", "support": "sam"}


def demo_pages():
    """The main pages of each role, as paths into the demo data (seed_demo)."""
    from accounts.models import UserBadge
    from arbitration.models import Dispute
    from marketplace.models import Kwork
    from messaging.models import Conversation
    from orders.models import Order

    kwork = Kwork.objects.filter(seller__username="sergio", status="active").order_by("pk").first()
    package_kwork = Kwork.objects.filter(status="active", packages__isnull=False).order_by("pk").first()
    bella_order = Order.objects.filter(buyer__username="bella", status="in_progress").order_by("pk").first()
    delivered = Order.objects.filter(buyer__username="bella", status="delivered").order_by("pk").first()
    sergio_order = (
        Order.objects.filter(seller__username="sergio").exclude(status="cancelled").order_by("pk").first()
    )
    conversation = Conversation.objects.filter(buyer__username="bella").order_by("pk").first()
    dispute = Dispute.objects.order_by("pk").first()
    badge = UserBadge.objects.select_related("user").order_by("pk").first()
    return {
        "visitor": [
            ("home", "/"),
            ("category", kwork.category.get_absolute_url()),
            ("search", "/search/?q=logo"),
            ("kwork", f"/kwork/{kwork.pk}/"),
            ("kwork-packages", f"/kwork/{package_kwork.pk}/"),
            ("seller", "/u/sergio/"),
            ("profile-with-badges", f"/u/{badge.user.username}/"),
            ("signup", "/accounts/signup/"),
            ("login", "/accounts/login/"),
        ],
        "buyer": [
            ("dashboard", "/dashboard/"),
            ("order", f"/orders/{bella_order.pk}/"),
            ("order-delivered", f"/orders/{delivered.pk}/"),
            ("orders", "/orders/buying/"),
            ("balance", "/balance/"),
            ("inbox", "/messages/"),
            ("conversation", f"/messages/{conversation.pk}/"),
            ("favourites", "/favourites/"),
            ("cart", "/cart/"),
            ("profile", "/u/bella/"),
        ],
        "seller": [
            ("dashboard", "/dashboard/"),
            ("my-kworks", "/seller/kworks/"),
            ("editor", f"/seller/kworks/{kwork.pk}/edit/"),
            ("order", f"/orders/{sergio_order.pk}/"),
            ("level", "/selling/level/"),
        ],
        "moderator": [
            ("admin", "/admin/"),
            ("admin-kwork", f"/admin/marketplace/kwork/{kwork.pk}/change/"),
        ],
        "support": [
            ("backoffice", "/backoffice/"),
            ("disputes", "/backoffice/disputes/"),
            ("case-file", f"/backoffice/disputes/{dispute.pk}/"),
        ],
    }


CSP_WATCH = """document.addEventListener("securitypolicyviolation", (event) => {
    (window.__cspViolations = window.__cspViolations || []).push(event.violatedDirective + " " + event.blockedURI);
});"""


def watch_console(page):
    """Collects the page's Content-Security-Policy violations as the browser reports them (console errors)."""
    errors = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    return errors


def csp_violations(page, console_errors):
    """Everything the browser refused on this page: console errors and securitypolicyviolation events."""
    found = console_errors[:] + page.evaluate("window.__cspViolations || []")
    console_errors.clear()
    return found


def sideways_overflow(page):
    """The elements wider than the window (what makes a phone scroll sideways), empty when the page fits."""
    return page.evaluate(
        """() => {
        const width = window.innerWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        const wide = [];
        for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 && box.width > 0) {
                wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                          (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\\s+/g, '.') : '') +
                          ' right=' + Math.round(box.right));
            }
            if (wide.length >= 5) break;
        }
        return [`scrollWidth ${document.documentElement.scrollWidth} > ${width}`, ...wide];
    }"""
    )


def open_role(browser, live_server, role, width=1366, javascript=True):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, java_script_enabled=javascript
    )
    context.set_default_timeout(15000)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    if ROLES[role]:
        login(page, ROLES[role], DEMO_PASSWORD)
    return context, page


def visit(page, path):
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    page.wait_for_load_state("load")


def screen(page, name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def load_demo():
    # A transactional test database starts without the data migrations' rows: put the groups and badges back.
    from django.apps import apps as django_apps

    from accounts.roles import sync_role_permissions

    import_module("accounts.migrations.0002_roles_and_badges").forwards(django_apps, None)
    sync_role_permissions()
    call_command("seed_demo", stdout=io.StringIO())
    return demo_pages()


@pytest.fixture
def demo():
    return load_demo()


def test_every_main_page_of_every_role_fits_a_phone_and_breaks_no_csp(browser, live_server, demo):
    # One test for all roles: each browser test costs a demo seed and a database flush, the pages take seconds.
    problems = []
    for role in ROLES:
        context, page = open_role(browser, live_server, role)
        console_errors = watch_console(page)
        try:
            for name, path in demo[role]:
                for label, width in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": 900})
                    status = page.goto(path).status
                    if status != 200:
                        problems.append(f"{role} {name} ({path}): HTTP {status}")
                        break
                    overflow = sideways_overflow(page)
                    if overflow:
                        problems.append(f"{role} {name} at {width} px scrolls sideways: {overflow}")
                    violations = csp_violations(page, console_errors)
                    if violations:
                        problems.append(f"{role} {name}: the CSP refused {violations}")
                    screen(page, f"{role}-{name}-{label}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_phone_header_filters_and_order_bar(browser, live_server, demo):
    """The phone's menu and search buttons, the catalogue's filter drawer (with and without JavaScript) and the
    Kwork page's order bar, which places the order (last: it changes the demo data)."""
    header_menu_and_search(browser, live_server)
    menu_and_filters_without_javascript(browser, live_server, demo)
    category_results_first_and_filters_in_a_drawer(browser, live_server, demo)
    chats_send_on_a_phone_without_a_csp_refusal(browser, live_server, demo)
    kwork_order_bar_follows_the_chosen_package(browser, live_server, demo)


def header_menu_and_search(browser, live_server):
    context, page = open_role(browser, live_server, "buyer", width=WIDTHS["phone"])
    try:
        visit(page, "/dashboard/")
        nav, toggle = page.get_by_test_id("main-nav"), page.get_by_test_id("menu-toggle")
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 64, f"the phone header is {header['height']} px tall: one row expected"
        assert toggle.is_visible() and not nav.is_visible()
        assert not page.locator("#site-search").is_visible()
        toggle.click()
        assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
        screen(page, "behaviour-menu-open-phone")
        nav.get_by_role("link", name="Balance").click()
        page.wait_for_url("**/balance/")
        assert not page.get_by_test_id("main-nav").is_visible()  # a new page starts with the menu closed
        page.get_by_test_id("search-toggle").click()
        page.fill("#site-search", "logo")
        page.press("#site-search", "Enter")
        page.wait_for_url("**/search/?q=logo")
        assert page.locator("#site-search").is_visible()  # the search page keeps its query in view
        page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
        assert page.get_by_test_id("main-nav").is_visible() and not page.get_by_test_id("menu-toggle").is_visible()
    finally:
        context.close()


def menu_and_filters_without_javascript(browser, live_server, demo):
    context, page = open_role(browser, live_server, "buyer", width=WIDTHS["phone"], javascript=False)
    try:
        visit(page, "/dashboard/")
        assert not page.get_by_test_id("main-nav").is_visible()
        page.get_by_test_id("menu-toggle").click()
        assert page.url.endswith("#site-nav") and page.get_by_test_id("main-nav").is_visible()
        visit(page, demo["visitor"][1][1])  # a category
        assert not page.get_by_test_id("filters").is_visible()
        page.get_by_test_id("filters-toggle").click()
        assert page.get_by_test_id("filters").is_visible()
        page.select_option("#f-lead", index=1)
        page.get_by_test_id("filters").get_by_role("button", name="Show results").click()
        page.wait_for_url("**lead=*")
        assert page.locator("[data-filter-count]").inner_text() == "1"
        assert not page.get_by_test_id("filters").is_visible()
    finally:
        context.close()


def category_results_first_and_filters_in_a_drawer(browser, live_server, demo):
    context, page = open_role(browser, live_server, "visitor", width=WIDTHS["phone"])
    try:
        visit(page, demo["visitor"][1][1])
        first_card = page.locator(".kwork-card").first.bounding_box()
        assert first_card["y"] < 600, f"the first result starts {first_card['y']} px down the first screen"
        filters, toggle = page.get_by_test_id("filters"), page.get_by_test_id("filters-toggle")
        assert not filters.is_visible() and not page.locator("[data-filter-count]").is_visible()
        toggle.click()
        assert filters.is_visible() and toggle.get_attribute("aria-expanded") == "true"
        page.select_option("#f-lead", index=1)
        page.fill("#f-pmin", "10")
        page.locator("#f-pmin").dispatch_event("change")
        assert page.locator("[data-filter-count]").inner_text() == "2"
        screen(page, "behaviour-filters-open-phone")
        with page.expect_response(lambda response: "lead=" in response.url):
            filters.get_by_role("button", name="Show results").click()
        assert not filters.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        assert page.locator("[data-filter-count]").inner_text() == "2"
        page.reload()  # the count comes from the server too
        assert page.locator("[data-filter-count]").inner_text() == "2"
        page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
        assert filters.is_visible() and not toggle.is_visible()
    finally:
        context.close()


def chats_send_on_a_phone_without_a_csp_refusal(browser, live_server, demo):
    """The inbox thread and the order chat swap their messages in through htmx: nothing it adds is refused."""
    context, page = open_role(browser, live_server, "buyer", width=WIDTHS["phone"])
    console_errors = watch_console(page)
    buyer = dict(demo["buyer"])
    try:
        for path, form, sent in (
            (buyer["conversation"], "#composer", "#thread-list"),
            (buyer["order"], "#chat form", "#chat"),
        ):
            visit(page, path)
            text = f"Checking the layout on a phone ({path})"
            page.locator(f"{form} textarea").fill(text)
            page.locator(f"{form} button[type=submit]").click()
            page.locator(sent).get_by_text(text).wait_for()
            assert not sideways_overflow(page)
            assert not csp_violations(page, console_errors), path
    finally:
        context.close()


def kwork_order_bar_follows_the_chosen_package(browser, live_server, demo):
    from marketplace.models import Kwork

    # The demo's text said options are "listed on the right": on a phone they are below.
    assert not Kwork.objects.filter(description__icontains="on the right").exists()

    path = dict(demo["visitor"])["kwork-packages"]
    kwork = Kwork.objects.get(pk=path.strip("/").split("/")[-1])
    first, second = kwork.packages.order_by("price_cents")[:2]
    context, page = open_role(browser, live_server, "buyer", width=WIDTHS["phone"])
    try:
        visit(page, path)
        bar = page.get_by_test_id("order-bar")
        assert bar.is_visible()
        assert bar.locator("[data-order-bar-label]").inner_text() == first.get_tier_display()
        assert bar.locator("[data-order-bar-total]").inner_text() == f"${first.price_cents / 100:.2f}"
        bottom = bar.bounding_box()
        assert bottom["y"] + bottom["height"] == pytest.approx(900, abs=1)  # stuck to the bottom of the screen
        page.locator(f".order-box input[name=package][value='{second.pk}']").check()
        total = f"${second.price_cents / 100:.2f}"
        page.wait_for_function(
            "(total) => document.querySelector('[data-order-bar-total]').textContent === total", arg=total
        )
        assert bar.locator("[data-order-bar-label]").inner_text() == second.get_tier_display()
        page.evaluate("window.scrollTo(0, 0)")
        screen(page, "behaviour-order-bar-phone")
        with page.expect_navigation():
            bar.get_by_test_id("order-bar-button").click()
        assert "/orders/" in page.url, page.url
        order_total = page.get_by_text(total).first
        assert order_total.is_visible()
        page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
        visit(page, path)
        assert not page.get_by_test_id("order-bar").is_visible()
    finally:
        context.close()
