"""The logged-in header's menus, rendered once per person and what they show (accounts/header.py, issue 14): the
counters equal their selectors, every change is seen at once (the cache is keyed by what the menus show, never
stale), each person sees only their own menus, the forms carry the request's own CSRF token, and the header costs
the same queries whatever the data."""

import re

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import header, roles
from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import Notification, User
from marketplace import selectors as marketplace_selectors
from marketplace import services as marketplace_services
from marketplace.models import CartItem
from messaging import selectors as messaging_selectors
from messaging.models import Conversation
from tests.factories import PASSWORD, UserFactory, in_group, verified
from tests.marketplace.factories import KworkFactory
from tests.messaging.helpers import seller_with_kwork, start
from tests.orders.factories import place

pytestmark = pytest.mark.django_db

PAGE = "/categories/"


def page(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.text


def nav_cart(html):
    found = re.search(r'data-testid="nav-cart">Cart(?: <span class="pill pill-brand">(\d+)</span>)?</a>', html)
    assert found, "no cart link"
    return int(found.group(1) or 0)


def unread_messages(html):
    found = re.search(r'data-testid="messages-unread">(\d+)<', html)
    return int(found.group(1)) if found else 0


def bell(html):
    found = re.search(r'data-testid="unread-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_header_counters_equal_the_rows_they_count_and_the_selectors_read_the_same_query():
    """Each counter is one query, its app selector's (cart, unread messages, unread notifications): read together
    in the header's statement or alone by the selector, it equals the rows counted with the ORM."""
    buyer = verified(UserFactory())
    for _ in range(3):
        marketplace_services.cart_add(user=buyer, kwork_id=KworkFactory().pk)
    conversation = start(seller=seller_with_kwork(), buyer=verified(UserFactory()))
    seller = conversation.seller
    start(buyer=buyer, seller=seller)  # buyer wrote; the seller has unread messages from two people
    account_services.notification_send(user=buyer, kind="system", title="One")
    account_services.notification_send(user=buyer, kind="system", title="Two")
    for person in (buyer, seller, verified(UserFactory())):
        cart = CartItem.objects.filter(user=person).count()
        messages = sum(
            c.unread_for(person) for c in Conversation.objects.filter(Q(buyer=person) | Q(seller=person))
        )
        notifications = Notification.objects.filter(user=person, read_at__isnull=True).count()
        found = header.counts(User.objects.get(pk=person.pk))
        assert (found["cart"], found["messages"], found["notifications"]) == (cart, messages, notifications)
        assert marketplace_selectors.cart_count_query(person).value() == cart
        assert messaging_selectors.unread_total(user=person) == messages
        assert account_selectors.unread_count(person) == notifications
    assert header.counts(buyer)["cart"] == 3
    assert header.counts(seller)["messages"] == 2
    assert header.counts(buyer)["notifications"] == 2


def test_every_change_is_in_the_header_at_once():
    buyer = verified(UserFactory(username="header-buyer"))
    client = logged_in(buyer)
    first = client.get(PAGE)
    assert (nav_cart(first.text), unread_messages(first.text), bell(first.text)) == (0, 0, 0)
    assert header.TEMPLATE in [t.name for t in first.templates]
    again = client.get(PAGE)  # the same person, the same counts: the menus come from the cache
    assert header.TEMPLATE not in [t.name for t in again.templates]
    assert "{#" not in first.text and "#}" not in first.text  # no template comment leaks into the page
    assert 'class="account-name">header-buyer<' in again.text

    marketplace_services.cart_add(user=buyer, kwork_id=KworkFactory().pk)
    assert nav_cart(page(client)) == 1
    account_services.notification_send(user=buyer, kind="system", title="Hello")
    assert bell(page(client)) == 1
    seller = seller_with_kwork()
    conversation = start(buyer=buyer, seller=seller)
    from messaging import services as messaging_services

    messaging_services.message_send(conversation=conversation, author=seller, text="Sure, two days is fine.")
    assert unread_messages(page(client)) == 1

    # Name and mode: the account menu and the nav follow.
    account_services.profile_update(
        user=buyer,
        display_name="Header Person",
        city="",
        about="",
        skills="",
        email_notifications=True,
    )
    html = page(client)
    assert 'aria-pressed="true">Buyer<' in html and "nav-cart" in html
    account_services.mode_switch(user=buyer, mode=User.Mode.SELLER)
    html = page(client)
    assert 'aria-pressed="true">Seller<' in html
    assert "nav-cart" not in html and "nav-orders-to-do" in html
    assert ">H</span>" in html  # the avatar's initial follows the new display name


def test_the_sellers_orders_to_do_count_follows_a_new_order():
    order = place()
    seller = order.seller
    account_services.mode_switch(user=seller, mode=User.Mode.SELLER)
    client = logged_in(seller)
    html = page(client)
    assert 'data-testid="nav-orders-to-do">Orders to do <span class="pill pill-warn">1</span>' in html
    place(kwork=order.kwork)
    assert 'data-testid="nav-orders-to-do">Orders to do <span class="pill pill-warn">2</span>' in page(client)


def test_each_person_sees_their_own_menus_and_roles():
    buyer = verified(UserFactory(username="first-person"))
    other = verified(UserFactory(username="second-person"))
    marketplace_services.cart_add(user=buyer, kwork_id=KworkFactory().pk)
    support = in_group(verified(UserFactory(username="support-person")), roles.SUPPORT)
    moderator = in_group(verified(UserFactory(username="moderator-person", is_staff=True)), roles.MODERATORS)
    pages = {person.username: page(logged_in(person)) for person in (buyer, other, support, moderator)}
    assert 'class="account-name">first-person<' in pages["first-person"]
    assert 'class="account-name">second-person<' in pages["second-person"]
    assert "first-person" not in pages["second-person"]
    assert nav_cart(pages["first-person"]) == 1 and nav_cart(pages["second-person"]) == 0
    assert reverse("backoffice:index") in pages["support-person"]
    assert reverse("backoffice:index") not in pages["first-person"]
    assert reverse("admin:index") in pages["moderator-person"]
    assert reverse("admin:index") not in pages["support-person"] + pages["second-person"]


def test_the_cached_menus_carry_each_requests_own_csrf_token():
    buyer = verified(UserFactory())
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    page(client)  # the menus are cached now
    html = page(client)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 2 and "\x00" not in html
    # Switching mode and logging out from the cached menus work (the token is this session's).
    response = client.post(reverse("accounts:mode_switch"), {"mode": "seller", "csrfmiddlewaretoken": tokens[0]})
    assert response.status_code in (302, 303)
    buyer.refresh_from_db()
    assert buyer.mode == User.Mode.SELLER
    logout = re.search(r'action="/accounts/logout/">.*?value="([^"]+)"', page(client), re.S)
    assert client.post(reverse("account_logout"), {"csrfmiddlewaretoken": logout.group(1)}).status_code == 302
    assert ">Log out</button>" not in page_anonymous(client)


def page_anonymous(client):
    return client.get(PAGE).text


def test_the_header_makes_the_same_queries_for_any_amount_of_data():
    def queries(person):
        client = logged_in(person)
        page(client)
        with CaptureQueriesContext(connection) as ctx:
            page(client)
        return [q["sql"] for q in ctx.captured_queries]

    quiet = verified(UserFactory())
    busy = verified(UserFactory())
    for _ in range(20):
        marketplace_services.cart_add(user=busy, kwork_id=KworkFactory().pk)
        account_services.notification_send(user=busy, kind="system", title="Hi")
    for _ in range(5):
        start(buyer=busy, seller=seller_with_kwork())
    assert len(queries(quiet)) == len(queries(busy))
    # The counters are one statement, with the count of staff groups: someone in none costs no roles query.
    assert sum("accounts_notification" in sql and "marketplace_cartitem" in sql for sql in queries(busy)) == 1
    assert not any("auth_group" in sql for sql in queries(busy))
    staff = in_group(verified(UserFactory()), roles.SUPPORT)
    assert sum("auth_group" in sql for sql in queries(staff)) == 1


def test_a_person_logs_in_through_the_form_and_sees_their_menus(client):
    person = verified(UserFactory(username="form-login"))
    response = client.post(reverse("account_login"), {"login": "form-login", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert 'class="account-name">form-login<' in page(client)
    assert person.pk == int(client.session["_auth_user_id"])


def test_a_deploy_that_changes_the_menus_changes_every_key(settings, tmp_path):
    """The key holds a fingerprint of the menus as the running code draws them: a changed template (here, an
    app's nav template overridden) or URL gives new keys, so a cached menu never outlives a deploy."""
    buyer = verified(UserFactory())
    client = logged_in(buyer)
    assert "Catalogue</a>" in page(client)
    override = tmp_path / "marketplace"
    override.mkdir()
    (override / "nav.html").write_text('<a href="/categories/" class="nav-link">The whole catalogue</a>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    header._version.cache_clear()  # a new process: the deploy
    try:
        assert "The whole catalogue</a>" in page(client)
    finally:
        header._version.cache_clear()
