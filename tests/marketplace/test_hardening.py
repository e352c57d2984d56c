"""Issue 9 in the marketplace: redirects stay on the site, malformed input never makes a 500, a forged 11th
option is refused (C3)."""

import pytest
from django.urls import reverse

from marketplace import selectors, services
from marketplace.models import Kwork, SearchTerm
from tests.factories import UserFactory
from tests.marketplace.factories import KworkFactory, SubcategoryFactory, png_upload

pytestmark = pytest.mark.django_db

EVIL = ["https://evil.example/", "//evil", "/\\evil.example", "http:/evil.example"]


# --- open redirects ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", EVIL)
def test_c13_favourite_heart_never_redirects_off_the_site(client, target):
    kwork = KworkFactory()
    client.force_login(UserFactory())
    response = client.post(reverse("marketplace:favourite_toggle", args=[kwork.pk]), {"next": target})
    assert response.status_code == 302
    assert response.url == reverse("marketplace:kwork", args=[kwork.pk])


def test_c13_favourite_heart_goes_back_to_a_page_of_the_site(client):
    kwork = KworkFactory()
    client.force_login(UserFactory())
    response = client.post(reverse("marketplace:favourite_toggle", args=[kwork.pk]), {"next": "/favourites/?x=1"})
    assert response.url == "/favourites/?x=1"


@pytest.mark.parametrize("target", EVIL)
def test_c9_kwork_action_buttons_never_redirect_off_the_site(client, target):
    kwork = KworkFactory()
    client.force_login(kwork.seller)
    response = client.post(
        reverse("marketplace:kwork_action", args=[kwork.pk]), {"action": "pause", "next": target}
    )
    assert response.status_code == 302 and response.url == reverse("marketplace:my_kworks")
    kwork.refresh_from_db()
    assert kwork.status == Kwork.Status.PAUSED


# --- malformed input --------------------------------------------------------------------------------------


def test_c12_nul_byte_in_the_search_is_no_500(client):
    KworkFactory(title="I will design a logo")
    for params in ({"q": "\x00"}, {"q": "logo\x00"}, {"q": "logo", "sort": "\x00"}, {"q": "logo", "seen": "\x00"}):
        assert client.get(reverse("marketplace:search"), params).status_code in (200, 400)


def test_c12_nul_byte_is_dropped_by_the_search_itself():
    KworkFactory(title="I will design a logo")
    services.kwork_search_vectors_update(list(Kwork.objects.values_list("pk", flat=True)))
    page = selectors.kwork_search(query="lo\x00go")
    assert [kwork.title for kwork in page.object_list] == ["I will design a logo"]


@pytest.mark.parametrize("seen", ["800000", "-1", "2", "1e9", "١"])
def test_c12_seller_activity_filter_takes_only_its_named_choices(client, seen):
    KworkFactory(title="I will design a logo")
    response = client.get(reverse("marketplace:search"), {"q": "logo", "seen": seen})
    assert response.status_code == 200
    assert response.context["filters"].seen_days is None


def test_c12_huge_or_not_finite_filter_numbers_are_ignored(client):
    sub = SubcategoryFactory()
    kwork = KworkFactory(category=sub)
    params = {
        "price_min": "99999999999999999999999",
        "price_max": "1e999",
        "lead": "inf",
        "rating": "nan",
        "feedback": "-Infinity",
        "page": "99999999999999999999999999",
    }
    response = client.get(reverse("marketplace:category", args=[sub.slug]), params)
    assert response.status_code == 200
    assert [k.title for k in response.context["page"].object_list] == [kwork.title]


@pytest.fixture
def editor_form(subcategory):
    cms = subcategory.attributes.get()

    def make(**overrides):
        form = {
            "category": subcategory.pk,
            "title": "I will build a WordPress website for you",
            "description": "A fast WordPress site with five pages, a contact form and the basic SEO done right.",
            "volume": "1 site",
            "price": "10",
            "lead_time_days": "5",
            f"attr_{cms.pk}": cms.choices.first().pk,
        }
        form.update(overrides)
        return form

    return make


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-Infinity", "1e999999", "sNaN"])
def test_c3_not_a_number_option_price_is_refused_not_a_500(client, seller, editor_form, price):
    client.force_login(seller)
    response = client.post(
        reverse("marketplace:kwork_new"), editor_form(option_0_title="Extra page", option_0_price=price)
    )
    assert response.status_code == 200
    assert "Enter an amount in dollars, for example 15 or 4.50." in response.text
    assert not Kwork.objects.exists()


@pytest.mark.parametrize("raw", ["١٢", "²", "12abc", "99999999999999999999999"])
def test_c2_non_ascii_digits_as_ids_are_no_500(client, seller, kwork_data, editor_form, raw):
    client.force_login(seller)
    assert client.get(reverse("marketplace:kwork_new"), {"category": raw}).status_code == 200
    response = client.post(reverse("marketplace:kwork_new"), editor_form(category=raw))
    assert response.status_code == 200 and not Kwork.objects.exists()

    kwork = services.kwork_create(seller=seller, data=kwork_data())
    services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    media = reverse("marketplace:kwork_media", args=[kwork.pk])
    assert client.post(media, {"action": "delete_image", "id": raw}).status_code == 404
    assert client.post(media, {"action": "delete_file", "id": raw}).status_code == 404
    edit = reverse("marketplace:kwork_edit", args=[kwork.pk])
    response = client.post(edit, editor_form(option_0_id=raw, option_0_title="Extra page", option_0_price="5"))
    assert response.status_code == 302
    assert kwork.options.get().title == "Extra page"


@pytest.mark.postgres
def test_c12_vocabulary_word_with_punctuation_never_breaks_the_raw_tsquery(client):
    KworkFactory(title="I will write a WordPress plugin")
    services.kwork_search_vectors_update(list(Kwork.objects.values_list("pk", flat=True)))
    SearchTerm.objects.create(word="plugin's:*&|!()\\", documents=50)  # closest to "pluginz", full of syntax
    page = selectors.kwork_search(query="pluginz")  # corrected to the word stripped of its syntax: "plugins"
    assert [kwork.title for kwork in page.object_list] == ["I will write a WordPress plugin"]
    assert client.get(reverse("marketplace:search"), {"q": "pluginz"}).status_code == 200


# --- C3: a forged 11th option -----------------------------------------------------------------------------


def test_c3_forged_eleventh_option_is_refused_and_nothing_saved(client, seller, editor_form):
    client.force_login(seller)
    options = {}
    for i in range(11):
        options[f"option_{i}_title"] = f"Extra {i}"
        options[f"option_{i}_price"] = "5"
    response = client.post(reverse("marketplace:kwork_new"), editor_form(**options))
    assert response.status_code == 200
    assert "A Kwork can have at most 10 extra options." in response.text
    assert not Kwork.objects.exists()


def test_c3_forged_eleventh_option_on_an_existing_kwork_changes_nothing(client, seller, kwork_data, editor_form):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    client.force_login(seller)
    options = {}
    for i in range(11):
        options[f"option_{i}_title"] = f"Extra {i}"
        options[f"option_{i}_price"] = "5"
    response = client.post(reverse("marketplace:kwork_edit", args=[kwork.pk]), editor_form(**options))
    assert response.status_code == 200
    assert "A Kwork can have at most 10 extra options." in response.text
    assert not kwork.options.exists()
