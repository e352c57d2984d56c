"""Issue 14: the catalogue's cards come from a fragment cache that is never stale. Each event that changes a card
shows on the very next page, for visitors (whose whole grid is cached too) and for logged-in people (whose grid
is assembled from cached cards and their own hearts); a warm grid renders no card template."""

import re

import pytest
from django.test.signals import template_rendered
from django.urls import reverse

from marketplace import caching, rules, services
from marketplace.models import Kwork
from marketplace.services.stats import kwork_figures_sync_many
from tests.factories import UserFactory, verified
from tests.marketplace.factories import KworkFactory, png_upload

pytestmark = pytest.mark.django_db

CARD = "marketplace/partials/card.html"


@pytest.fixture(params=["anonymous", "logged in"])
def visitor(request, client):
    if request.param == "logged in":
        client.force_login(verified(UserFactory()))
    return client


def _card(html, title):
    """The HTML of the card whose title is `title` (None when the page has no such card)."""
    for card in re.findall(r'<article class="kwork-card".*?</article>', html, flags=re.S):
        if f">{title}</a></h3>" in card:
            return card
    return None


def _warm(client, url, title):
    """Two visits: the second is served from the caches; both show the card."""
    for _ in range(2):
        card = _card(client.get(url).text, title)
        assert card is not None
    return card


@pytest.fixture
def listed(subcategory):
    kwork = KworkFactory(category=subcategory, title="I will draw a cached logo for you", price_cents=1000)
    return kwork, reverse("marketplace:category", args=[subcategory.slug])


def test_price_change_shows_at_once(visitor, seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data(title="I will build a cached website for you"))
    services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    services.kwork_submit(seller=seller, kwork=kwork)
    moderator = UserFactory(is_staff=True)
    services.kwork_approve(kwork=kwork, moderator=moderator)
    url = reverse("marketplace:category", args=[kwork.category.slug])
    assert "$10.00" in _warm(visitor, url, kwork.title)

    kwork.refresh_from_db()
    services.kwork_update(seller=seller, kwork=kwork, data=kwork_data(title=kwork.title, price_cents=2000))
    services.kwork_submit(seller=seller, kwork=kwork)
    assert "$10.00" in _card(visitor.get(url).text, kwork.title)  # buyers see the approved version until approval
    services.kwork_approve(kwork=kwork, moderator=moderator)

    card = _card(visitor.get(url).text, kwork.title)
    assert "$20.00" in card and "$10.00" not in card


def test_pause_and_activate_show_at_once(visitor, listed):
    kwork, url = listed
    _warm(visitor, url, kwork.title)
    services.kwork_pause(seller=kwork.seller, kwork=kwork)
    assert _card(visitor.get(url).text, kwork.title) is None
    services.kwork_activate(seller=kwork.seller, kwork=Kwork.objects.get(pk=kwork.pk))
    assert _card(visitor.get(url).text, kwork.title) is not None


def test_approval_shows_the_new_kwork_at_once(visitor, listed, seller, kwork_data):
    kwork, url = listed
    _warm(visitor, url, kwork.title)
    new = services.kwork_create(seller=seller, data=kwork_data(title="I will write a freshly approved text"))
    services.kwork_image_add(seller=seller, kwork=new, upload=png_upload())
    services.kwork_submit(seller=seller, kwork=new)
    assert _card(visitor.get(url).text, new.title) is None
    services.kwork_approve(kwork=new, moderator=UserFactory(is_staff=True))
    assert _card(visitor.get(url).text, new.title) is not None


def test_rating_figures_show_at_once(visitor, listed):
    kwork, url = listed
    card = _warm(visitor, url, kwork.title)
    assert "New seller" in card and 'data-testid="top-rated"' not in card
    # What the ratings app's recomputation writes onto the Kworks (ratings/services/recompute.py).
    kwork_figures_sync_many(
        figures={kwork.pk: {"seller_stars": 4.5, "seller_feedback_count": 12, "top_rated": True}}
    )
    card = _card(visitor.get(url).text, kwork.title)
    assert "★ 4.5" in card and "(12)" in card and 'data-testid="top-rated"' in card and "New seller" not in card


def test_favourite_toggle_shows_at_once_and_only_for_that_person(client, listed):
    kwork, url = listed
    buyer, other = verified(UserFactory()), verified(UserFactory())
    client.force_login(buyer)
    assert 'aria-pressed="false"' in _warm(client, url, kwork.title)
    services.favourite_toggle(user=buyer, kwork_id=kwork.pk)
    card = _card(client.get(url).text, kwork.title)
    assert 'aria-pressed="true"' in card
    assert f'action="{reverse("marketplace:favourite_toggle", args=[kwork.pk])}"' in card
    client.force_login(other)  # the same cached fragment, someone else's heart
    assert 'aria-pressed="false"' in _card(client.get(url).text, kwork.title)
    client.force_login(buyer)
    services.favourite_toggle(user=buyer, kwork_id=kwork.pk)
    assert 'aria-pressed="false"' in _card(client.get(url).text, kwork.title)


def test_seller_name_change_shows_at_once_when_logged_in(client, listed):
    kwork, url = listed
    client.force_login(verified(UserFactory()))
    _warm(client, url, kwork.title)
    kwork.seller.username = "renamed_seller"
    kwork.seller.save(update_fields=["username"])
    assert "renamed_seller" in _card(client.get(url).text, kwork.title)


def test_heart_carries_the_persons_csrf_token_and_page(client, listed):
    kwork, url = listed
    client.force_login(verified(UserFactory()))
    _warm(client, url, kwork.title)
    response = client.get(url, {"sort": "price"})
    card = _card(response.text, kwork.title)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card).group(1)
    assert token and "{{" not in card
    assert response.client.cookies["csrftoken"].value  # the token is issued with the page, so the form posts
    assert 'name="next" value="/category/' in card and "sort=price" in card
    posted = client.post(reverse("marketplace:favourite_toggle", args=[kwork.pk]), {"next": url})
    assert posted.status_code == 302


def test_text_that_looks_like_a_marker_is_just_text(visitor, subcategory):
    title = "I will write <!--heart--> and <heart-url> literally"
    KworkFactory(category=subcategory, title=title)
    html = visitor.get(reverse("marketplace:category", args=[subcategory.slug])).text
    assert "I will write &lt;!--heart--&gt; and &lt;heart-url&gt; literally" in html
    assert len(re.findall(r'class="heart[ "]', html)) == 1  # one heart, where the marker was


@pytest.mark.parametrize("page", ["category", "search", "home"])
def test_warm_grid_renders_no_card_template_logged_in(client, subcategory, page):
    for n in range(3):
        KworkFactory(category=subcategory, title=f"I will make a cached text number {n}")
    client.force_login(verified(UserFactory()))
    url = {
        "category": reverse("marketplace:category", args=[subcategory.slug]),
        "search": reverse("marketplace:search") + "?q=cached",
        "home": reverse("marketplace:home"),
    }[page]
    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        client.get(url)
        cold = list(rendered)
        rendered.clear()
        response = client.get(url)
    finally:
        template_rendered.disconnect(record)
    assert cold.count(CARD) == 3  # the first visit renders and stores each card
    assert CARD not in rendered
    assert response.text.count('data-testid="kwork-card"') == 3
    assert rendered.count("marketplace/partials/heart.html") <= 2  # one per heart state, not one per card


def test_card_cache_off_renders_every_card(client, subcategory, monkeypatch):
    """The bench's baseline switches (--no-grid-cache --no-card-cache) really render each time."""
    monkeypatch.setenv("MARKETPLACE_CARD_CACHE", "0")
    monkeypatch.setenv("MARKETPLACE_GRID_CACHE_SECONDS", "0")
    KworkFactory(category=subcategory)
    client.force_login(verified(UserFactory()))
    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        for _ in range(2):
            client.get(reverse("marketplace:category", args=[subcategory.slug]))
    finally:
        template_rendered.disconnect(record)
    assert rendered.count(CARD) == 2


def test_card_key_changes_with_each_value_the_card_shows(subcategory):
    kwork = KworkFactory(category=subcategory)
    kwork = Kwork.objects.select_related("seller", "category").get(pk=kwork.pk)
    kwork.gallery = []
    url = reverse("marketplace:kwork", args=[kwork.pk])
    before = caching.card_key(kwork, url)
    changes = {
        "title": "I will write another title here",
        "price_cents": 2000,
        "uses_packages": True,
        "lead_time_days": 9,
        "top_rated": True,
        "seller_stars": 4.5,
        "seller_feedback_count": 3,
    }
    for name, value in changes.items():
        old = getattr(kwork, name)
        setattr(kwork, name, value)
        assert caching.card_key(kwork, url) != before, name
        setattr(kwork, name, old)
    kwork.seller.display_name = "Zed"  # the initials
    assert caching.card_key(kwork, url) != before
    assert caching.card_key(kwork, url + "x") != caching.card_key(kwork, url)


def test_a9_seller_page_shows_their_kworks_on_sale_as_cards(client, seller, subcategory, monkeypatch):
    on_sale = KworkFactory(seller=seller, category=subcategory, title="I will draw a logo on the seller page")
    paused = KworkFactory(seller=seller, category=subcategory, title="I will be paused and not shown")
    services.kwork_pause(seller=seller, kwork=paused)
    KworkFactory(category=subcategory, title="I will belong to someone else")
    buyer = verified(UserFactory())
    services.favourite_toggle(user=buyer, kwork_id=on_sale.pk)
    url = reverse("accounts:profile", args=[seller.username])

    html = client.get(url).text
    assert _card(html, on_sale.title) is not None
    assert _card(html, paused.title) is None and "I will belong to someone else" not in html
    client.force_login(buyer)
    assert 'aria-pressed="true"' in _card(client.get(url).text, on_sale.title)

    monkeypatch.setattr("marketplace.rules.SELLER_PAGE_KWORKS", 1)
    KworkFactory(seller=seller, category=subcategory, top_rated=True, title="I will be the best of this seller")
    html = client.get(url).text
    assert html.count('data-testid="kwork-card"') == 1 and "the best first" in html
    assert _card(html, "I will be the best of this seller") is not None


def test_a9_seller_page_queries_do_not_grow_with_kworks(client, subcategory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(verified(UserFactory()))
    counts = []
    for n in (1, 30):
        seller = verified(UserFactory())
        for i in range(n):
            KworkFactory(seller=seller, category=subcategory, title=f"I will write text number {i}")
        url = reverse("accounts:profile", args=[seller.username])
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url).text
        assert html.count('data-testid="kwork-card"') == min(n, rules.SELLER_PAGE_KWORKS)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
