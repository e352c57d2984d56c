"""C9–C12: what the catalogue shows, filters, sorting, search, the home page; constant query counts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from marketplace import rules, services
from marketplace.models import Kwork, KworkAttributeValue
from tests.factories import UserFactory
from tests.marketplace.factories import (
    AttributeFactory,
    ChoiceFactory,
    ImageFactory,
    KworkFactory,
    SubcategoryFactory,
)

pytestmark = pytest.mark.django_db

FRIDAY_NOON = datetime(2026, 11, 20, 12, tzinfo=UTC)  # a Friday
THURSDAY_NOON = datetime(2026, 11, 19, 12, tzinfo=UTC)
MONDAY_0001 = datetime(2026, 11, 23, 0, 1, tzinfo=UTC)


def _titles(response):
    return [kwork.title for kwork in response.context["page"].object_list]


def test_c12_subcategory_page_lists_active_kworks(client):
    sub = SubcategoryFactory()
    shown = KworkFactory(category=sub, title="I will design a lovely logo")
    KworkFactory(category=sub, status=Kwork.Status.MODERATION, approved_at=None, title="I will wait in the queue")
    KworkFactory(category=sub, status=Kwork.Status.DRAFT, approved_at=None, title="I will stay a draft")
    KworkFactory(title="I will be in another category")
    response = client.get(reverse("marketplace:category", args=[sub.slug]))
    assert response.status_code == 200
    assert _titles(response) == [shown.title]
    parent_page = client.get(reverse("marketplace:category", args=[sub.parent.slug]))
    assert _titles(parent_page) == [shown.title]


def test_c9_paused_kwork_is_hidden_and_not_orderable_then_back_in_place(client):
    sub = SubcategoryFactory()
    kwork = KworkFactory(category=sub, rating=4.5, feedback_count=3)
    services.kwork_pause(seller=kwork.seller, kwork=kwork)
    assert _titles(client.get(reverse("marketplace:category", args=[sub.slug]))) == []
    kwork.refresh_from_db()
    assert kwork.order_refusal(UserFactory()) == "The seller has paused this Kwork; it cannot be ordered now."
    page = client.get(kwork.get_absolute_url())
    assert page.status_code == 200 and "The seller has paused this Kwork" in page.text
    services.kwork_activate(seller=kwork.seller, kwork=kwork)
    kwork.refresh_from_db()
    assert (kwork.rating, kwork.feedback_count) == (4.5, 3)  # C9: no effect on rating or position
    assert _titles(client.get(reverse("marketplace:category", args=[sub.slug]))) == [kwork.title]


def test_c9_pause_refusals(seller):
    kwork = KworkFactory(seller=seller, status=Kwork.Status.DRAFT, approved_at=None)
    with pytest.raises(services.DomainError, match=r"Only an active Kwork can be paused\."):
        services.kwork_pause(seller=seller, kwork=kwork)
    with pytest.raises(services.DomainError, match=r"Only a paused Kwork can be activated\."):
        services.kwork_activate(seller=seller, kwork=kwork)
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.DRAFT


def test_c9_pause_from_my_kworks_page(client, seller):
    kwork = KworkFactory(seller=seller)
    client.force_login(seller)
    response = client.post(reverse("marketplace:kwork_action", args=[kwork.pk]), {"action": "pause"}, follow=True)
    assert "Paused: hidden from the catalogue and not orderable." in response.text
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.PAUSED


def test_c10_weekend_setting_hides_from_friday_to_monday(client, seller):
    sub = SubcategoryFactory()
    kwork = KworkFactory(seller=seller, category=sub)
    url = reverse("marketplace:category", args=[sub.slug])
    with time_machine.travel(THURSDAY_NOON, tick=False):
        services.seller_weekend_setting_set(seller=seller, hide_on_weekends=True)
        assert _titles(client.get(url)) == [kwork.title]
    with time_machine.travel(FRIDAY_NOON, tick=False):
        # The query hides it even before the beat job runs …
        assert _titles(client.get(url)) == []
        # … and the job flips the flag (so it is not orderable either).
        assert services.kworks_weekend_sync() == (1, 0)
        kwork.refresh_from_db()
        assert kwork.weekend_hidden
        assert kwork.order_refusal(UserFactory()) == (
            "The seller does not take orders on weekends; please come back on Monday."
        )
        assert services.kworks_weekend_sync() == (0, 0)  # idempotent
    with time_machine.travel(MONDAY_0001, tick=False):
        assert services.kworks_weekend_sync() == (0, 1)
        assert _titles(client.get(url)) == [kwork.title]


def test_c10_other_sellers_are_not_hidden_on_weekends(client):
    sub = SubcategoryFactory()
    kwork = KworkFactory(category=sub)
    with time_machine.travel(FRIDAY_NOON, tick=False):
        services.kworks_weekend_sync()
        assert _titles(client.get(reverse("marketplace:category", args=[sub.slug]))) == [kwork.title]


def test_c10_weekend_setting_page(client, seller):
    KworkFactory(seller=seller)
    client.force_login(seller)
    with time_machine.travel(FRIDAY_NOON, tick=False):
        response = client.post(reverse("marketplace:weekend_setting"), {"hide_on_weekends": "on"}, follow=True)
    assert "Your Kworks will be hidden from Friday to Monday." in response.text
    assert Kwork.objects.get(seller=seller).weekend_hidden


def test_c11b_autopaused_kwork_is_hidden_but_orderable_by_link(client, seller):
    sub = SubcategoryFactory()
    kwork = KworkFactory(seller=seller, category=sub)
    services.kwork_autopause_sync(seller=seller, in_progress_count=13)
    assert _titles(client.get(reverse("marketplace:category", args=[sub.slug]))) == []
    buyer = UserFactory()
    client.force_login(buyer)
    page = client.get(kwork.get_absolute_url())
    assert page.status_code == 200 and page.context["order_refusal"] is None
    services.cart_add(user=buyer, kwork_id=kwork.pk)  # orderable from Favourites / by link
    client.force_login(seller)
    assert "your Kworks are paused automatically" in client.get(reverse("marketplace:my_kworks")).text


def test_c12_filters_by_attribute_price_lead_time_rating_feedback_and_last_seen(client):
    sub = SubcategoryFactory()
    cms = AttributeFactory(category=sub, slug="cms")
    wordpress = ChoiceFactory(attribute=cms, slug="wordpress")
    tilda = ChoiceFactory(attribute=cms, slug="tilda")
    seen_now = UserFactory(last_seen_at=timezone.now())
    a = KworkFactory(
        category=sub,
        price_cents=1500,
        lead_time_days=2,
        seller_rating=4.9,
        seller_stars=4.9,  # R6: the rating filter's scale (seller_rating is R4, 0–100)
        seller_feedback_count=40,
        seller=seen_now,
        title="I will make site A",
    )
    b = KworkFactory(
        category=sub,
        price_cents=5000,
        lead_time_days=7,
        seller_rating=4.2,
        seller_stars=4.2,  # R6: the rating filter's scale (seller_rating is R4, 0–100)
        seller_feedback_count=2,
        title="I will make site B",
    )
    KworkAttributeValue.objects.create(kwork=a, attribute=cms, choice=wordpress)
    KworkAttributeValue.objects.create(kwork=b, attribute=cms, choice=tilda)
    url = reverse("marketplace:category", args=[sub.slug])
    assert set(_titles(client.get(url))) == {a.title, b.title}
    assert _titles(client.get(url, {"cms": "wordpress"})) == [a.title]
    assert set(_titles(client.get(url + "?cms=wordpress&cms=tilda"))) == {a.title, b.title}
    assert _titles(client.get(url, {"price_min": 20})) == [b.title]
    assert _titles(client.get(url, {"price_max": 20})) == [a.title]
    assert _titles(client.get(url, {"lead": 3})) == [a.title]
    assert _titles(client.get(url, {"rating": 4.5})) == [a.title]
    assert _titles(client.get(url, {"feedback": 10})) == [a.title]
    assert _titles(client.get(url, {"seen": 1})) == [a.title]
    assert _titles(client.get(url, {"price": "junk", "cms": "nothing"})) == []  # unknown choice matches nothing


def test_c12_sorting(client):
    sub = SubcategoryFactory()
    cheap = KworkFactory(category=sub, price_cents=1000, rating=3.0)
    dear = KworkFactory(category=sub, price_cents=9000, rating=5.0)
    top = KworkFactory(category=sub, price_cents=4000, rating=4.0, top_rated=True)
    url = reverse("marketplace:category", args=[sub.slug])
    assert _titles(client.get(url, {"sort": "price"})) == [cheap.title, top.title, dear.title]
    assert _titles(client.get(url, {"sort": "-price"})) == [dear.title, top.title, cheap.title]
    assert _titles(client.get(url, {"sort": "rating"})) == [dear.title, top.title, cheap.title]
    assert _titles(client.get(url, {"sort": "new"})) == [top.title, dear.title, cheap.title]
    assert _titles(client.get(url))[0] == top.title  # R9: Top Rated ranks higher


def test_c12_htmx_filter_returns_the_results_partial(client):
    sub = SubcategoryFactory()
    KworkFactory(category=sub)
    response = client.get(
        reverse("marketplace:category", args=[sub.slug]),
        {"sort": "price"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results"')
    assert "<html" not in response.text


def test_c12_search_finds_kworks_and_people(client):
    KworkFactory(title="I will translate your website into Czech")
    KworkFactory(title="I will design a logo")
    UserFactory(username="translate-jo")
    services.kwork_search_vectors_update(list(Kwork.objects.values_list("pk", flat=True)))
    response = client.get(reverse("marketplace:search"), {"q": "translate"})
    assert _titles(response) == ["I will translate your website into Czech"]
    assert "translate-jo" in response.text


@pytest.mark.postgres
def test_c12_postgres_search_ranks_by_relevance_and_corrects_typos(client):
    title_hit = KworkFactory(title="I will write a WordPress plugin", description="x " * 30)
    body_hit = KworkFactory(title="I will fix your website", description="Any problem with WordPress themes. " * 3)
    KworkFactory(title="I will design a logo", description="Nothing about that CMS here at all. " * 3)
    services.kwork_search_vectors_update([k.pk for k in Kwork.objects.all()])
    assert _titles(client.get(reverse("marketplace:search"), {"q": "wordpress"})) == [
        title_hit.title,
        body_hit.title,
    ]
    assert services.search_terms_refresh() > 5
    response = client.get(reverse("marketplace:search"), {"q": "wordpres plugn"})
    assert _titles(response) == [title_hit.title]
    assert "showing results for <strong>wordpress plugin</strong>" in response.text
    assert _titles(client.get(reverse("marketplace:search"), {"q": "qqqzzz"})) == []


@pytest.mark.postgres
def test_c12_postgres_search_queries_do_not_grow_with_typos(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from marketplace import caching

    client.force_login(UserFactory())
    counts = []
    for n in (1, 50):
        _fill(n, SubcategoryFactory())
        services.kwork_search_vectors_update(list(Kwork.objects.values_list("pk", flat=True)))
        services.search_terms_refresh()
        client.get(reverse("marketplace:search"), {"q": "writte"})
        caching.catalogue_changed()  # searched again, not served from the grid cache
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("marketplace:search"), {"q": "writte"})
        assert len(response.context["page"].object_list) == min(n, 24)
        counts.append(len(ctx.captured_queries))
        Kwork.objects.all().delete()
    assert counts[0] == counts[1], counts


def test_c12_home_shows_popular_kworks_of_the_best_sellers_and_categories(client):
    low = KworkFactory(seller_responsibility=0.5, title="I will be less popular")
    high = KworkFactory(seller_responsibility=0.99, title="I will be the most popular")
    KworkFactory(status=Kwork.Status.PAUSED, seller_responsibility=1.0, title="I will be paused")
    response = client.get(reverse("marketplace:home"))
    shown = [title for title in (high.title, low.title, "I will be paused") if title in response.text]
    assert shown == [high.title, low.title]
    assert response.text.index(high.title) < response.text.index(low.title)
    assert high.category.parent.name in response.text


def test_c12_order_button_waits_for_the_orders_app(client):
    kwork = KworkFactory()
    client.force_login(UserFactory())
    response = client.get(kwork.get_absolute_url())
    if response.context["order_url"] is None:
        assert "Ordering opens soon" in response.text
    else:
        assert f'action="{response.context["order_url"]}"' in response.text


def test_c5_kwork_page_live_quote_partial(client):
    kwork = KworkFactory(price_cents=2000, lead_time_days=4)
    option = kwork.options.create(title="Express", price_cents=500)
    response = client.get(
        reverse("marketplace:kwork_quote", args=[kwork.pk]), {"quantity": 3, "options": [option.pk]}
    )
    assert 'data-testid="quote-total">$65.00<' in response.text
    assert "8 days" in response.text
    response = client.get(reverse("marketplace:kwork_quote", args=[kwork.pk]), {"quantity": 99})
    assert "You can order from 1 to 10 units at once." in response.text


# --- query counts: the same for 1 and for 50 Kworks -------------------------------------------------------


def _fill(count, sub, **kwargs):
    sellers = [UserFactory(last_seen_at=timezone.now() - timedelta(hours=1)) for _ in range(min(count, 5))]
    for i in range(count):
        kwork = KworkFactory(
            category=sub, seller=sellers[i % len(sellers)], title=f"I will write a text {i}", **kwargs
        )
        ImageFactory(kwork=kwork)
        kwork.options.create(title="Express", price_cents=500)
    services.kwork_search_vectors_update(list(Kwork.objects.filter(category=sub).values_list("pk", flat=True)))


def _count_queries(client, url, params=None, *, grid_cached):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from marketplace import caching

    client.get(url, params or {})  # warm-up: the middleware's throttled last_seen_at write, the card fragments
    if not grid_cached:
        caching.catalogue_changed()  # the grid is assembled again (from the cached cards)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.text.count('data-testid="kwork-card"')


@pytest.mark.parametrize("grid_cached", [False, True], ids=["grid assembled", "grid cached"])
@pytest.mark.parametrize("who", ["anonymous", "logged in"])
@pytest.mark.parametrize("page", ["category", "search", "home"])
def test_c12_catalogue_and_search_queries_do_not_grow(client, page, who, grid_cached):
    user = UserFactory()
    if who == "logged in":
        client.force_login(user)
    counts = []
    for n in (1, 50):
        sub = SubcategoryFactory()
        _fill(n, sub)
        for kwork in Kwork.objects.filter(category=sub)[: max(1, n // 2)]:  # some hearts are on
            services.favourite_toggle(user=user, kwork_id=kwork.pk)
        cms = AttributeFactory(category=sub, slug="cms")
        ChoiceFactory(attribute=cms, slug="wordpress")
        if page == "category":
            url, params = reverse("marketplace:category", args=[sub.slug]), {"sort": "price", "seen": 7}
        elif page == "search":
            url, params = reverse("marketplace:search"), {"q": "text"}
        else:
            url, params = reverse("marketplace:home"), {}
        queries, shown = _count_queries(client, url, params, grid_cached=grid_cached)
        limit = rules.HOME_POPULAR_COUNT if page == "home" else rules.CATALOGUE_PAGE_SIZE
        assert shown == min(n, limit)  # the page really lists the Kworks
        counts.append(queries)
        Kwork.objects.all().delete()
    assert counts[0] == counts[1], counts


def test_c13_favourites_and_cart_queries_do_not_grow(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {"favourites": [], "cart": []}
    for n in (1, 50):
        buyer = UserFactory()
        client.force_login(buyer)
        sub = SubcategoryFactory()
        _fill(n, sub)
        for kwork in Kwork.objects.filter(category=sub):
            services.favourite_toggle(user=buyer, kwork_id=kwork.pk)
            services.cart_add(user=buyer, kwork_id=kwork.pk, option_ids=[kwork.options.get().pk])
        client.get(reverse("marketplace:cart"))  # warm-up (last_seen_at write)
        for name in counts:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(reverse(f"marketplace:{name}"))
            assert response.status_code == 200
            counts[name].append(len(ctx.captured_queries))
        assert len(response.context["rows"]) == n
    assert counts["favourites"][0] == counts["favourites"][1], counts
    assert counts["cart"][0] == counts["cart"][1], counts


def test_search_page_without_query(client):
    response = client.get(reverse("marketplace:search"))
    assert response.status_code == 200
    assert "Type what you need" in response.text


def test_c12_anonymous_grid_is_cached_until_the_catalogue_changes(client, django_assert_max_num_queries):
    sub = SubcategoryFactory()
    kwork = KworkFactory(category=sub, title="I will be cached for visitors")
    url = reverse("marketplace:category", args=[sub.slug])
    assert kwork.title in client.get(url).text
    with django_assert_max_num_queries(3):  # category, subcategories, attributes: the grid comes from the cache
        assert kwork.title in client.get(url).text
    services.kwork_pause(seller=kwork.seller, kwork=kwork)  # bumps the catalogue version on commit
    assert kwork.title not in client.get(url).text
    client.force_login(UserFactory())  # logged-in people get the same grid (their hearts are put in after)
    assert kwork.title not in client.get(url).text


def test_c10_weekend_beat_task_runs_the_service(seller):
    from marketplace.tasks import kworks_weekend_sync

    kwork = KworkFactory(seller=seller)
    with time_machine.travel(THURSDAY_NOON, tick=False):
        services.seller_weekend_setting_set(seller=seller, hide_on_weekends=True)
    with time_machine.travel(FRIDAY_NOON, tick=False):
        assert kworks_weekend_sync.delay().get() == {"hidden": 1, "shown": 0}
    kwork.refresh_from_db()
    assert kwork.weekend_hidden
