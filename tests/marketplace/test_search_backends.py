"""C12 search, one set of tests for both databases (marketplace/search_backends): PostgreSQL's tsvector and
pg_trgm, SQLite's FTS5 and trigram vocabulary. Run it with DATABASE_URL pointing at PostgreSQL and without
(SQLite): ranking, phrases and prefixes, typo correction, the demo's own examples, filters, sorts and pages,
constant queries, and input that must never break a query."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace import caching, rules, search_backends, selectors, services
from marketplace.models import Kwork, SearchTerm
from tests.factories import UserFactory
from tests.marketplace.factories import ImageFactory, KworkFactory, SubcategoryFactory

pytestmark = pytest.mark.django_db

FILLER = "Clear communication, on time, one round of revisions included. " * 3


def _kwork(title, description=FILLER, volume="1 unit", **kwargs):
    kwork = KworkFactory(title=title, description=description, volume=volume, **kwargs)
    services.kwork_search_vectors_update([kwork.pk])
    return kwork


def _titles(query, **filters):
    page = selectors.kwork_search(query=query, filters=selectors.CatalogueFilters(**filters))
    return [kwork.title for kwork in page.object_list]


# --- the query language, the same for both backends ------------------------------------------------------------


def test_c12_query_language_renders_the_same_query_for_both_backends():
    query = search_backends.parse('Logo -print OR "the web site" wordp* node.js')
    assert search_backends.PostgresBackend.tsquery(query) == (
        "('logo' & !'print') | ('web site' & 'wordp':* & 'node.js')"
    )
    assert search_backends.SqliteBackend.fts_query(query) == (
        '(("logo") NOT ("print")) OR ("web site" AND "wordp" * AND "node.js")'
    )


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("design of the logo", [["design", "logo"]]),  # stop words go, as PostgreSQL's english drops them
        ("the", []),
        ("-logo", []),  # exclusions alone would list the whole catalogue
        ("or logo or", [["logo"]]),
        ('"unterminated phrase', [["unterminated phrase"]]),
        ("NEAR(logo, 5)", [["near logo", "5"]]),
        ("title:logo", [["title logo"]]),  # no column filters: just words
        ("it's", []),
        ("logo*", [["logo*"]]),
        ("*", []),
        ("'\\\"", []),
    ],
)
def test_c12_query_language_turns_any_input_into_plain_words(text, groups):
    parsed = search_backends.parse(text)
    shown = [[clause.text + ("*" if clause.prefix else "") for clause in group] for group in parsed.groups]
    assert shown == groups


# --- ranking, phrases, prefixes, stemming -----------------------------------------------------------------------


def test_c12_title_match_ranks_above_volume_above_description():
    description = _kwork("I will fix your website", description=FILLER + "Any problem with WordPress themes.")
    volume = _kwork("I will fix your blog", volume="1 WordPress page")
    title = _kwork("I will write a WordPress plugin")
    _kwork("I will design a logo")
    assert _titles("wordpress") == [title.title, volume.title, description.title]


def test_c12_top_rated_kworks_come_first_then_relevance():
    title = _kwork("I will write a WordPress plugin")
    top = _kwork("I will fix your website", description=FILLER + "WordPress too.", top_rated=True)
    assert _titles("wordpress") == [top.title, title.title]


def test_c12_quoted_words_are_a_phrase():
    phrase = _kwork("I will do logo design for your startup")
    apart = _kwork("I will design a minimalist logo")
    assert _titles('"logo design"') == [phrase.title]
    assert sorted(_titles("logo design")) == sorted([phrase.title, apart.title])


def test_c12_star_searches_a_prefix_and_stems_match():
    plugin = _kwork("I will write a WordPress plugin")
    translate = _kwork("I will translate your text into German")
    assert _titles("wordp*") == [plugin.title]
    assert _titles("plugins") == [plugin.title]  # the stemmer: plugins → plugin
    assert _titles("translation") == [translate.title]  # translation and translate share a stem


def test_c12_or_minus_and_stop_words():
    logo = _kwork("I will design a minimalist logo for your brand")
    voice = _kwork("I will record a warm voice-over")
    banner = _kwork("I will design a print banner")
    assert sorted(_titles("logo or voice")) == sorted([logo.title, voice.title])
    assert _titles("design -banner") == [logo.title]
    assert _titles("a logo for the brand") == [logo.title]  # "a", "for", "the" are ignored, not required
    assert banner.title in _titles("design")


def test_c12_only_listed_kworks_are_found_and_edits_are_indexed():
    paused = _kwork("I will design a paused logo", status=Kwork.Status.PAUSED)
    kwork = _kwork("I will design a clean logo")
    assert _titles("logo") == [kwork.title]
    assert paused.title not in _titles("paused")
    kwork.title = "I will paint a portrait"
    kwork.save(update_fields=["title"])
    services.kwork_search_vectors_update([kwork.pk])
    assert _titles("portrait") == [kwork.title]
    assert _titles("clean") == []
    kwork.delete()
    assert _titles("portrait") == []


# --- typo correction -------------------------------------------------------------------------------------------


def test_c12_typos_are_corrected_to_words_as_written():
    translate = _kwork("I will translate your website into Czech")
    plugin = _kwork("I will write a WordPress plugin")
    assert services.search_terms_refresh() > 5
    words = set(SearchTerm.objects.values_list("word", flat=True))
    assert {"translate", "wordpress", "plugin"} <= words and "translat" not in words  # not stems
    page = selectors.kwork_search(query="transalte")
    assert page.corrected == "translate"
    assert [k.title for k in page.object_list] == [translate.title]
    page = selectors.kwork_search(query="wordpres plugn")
    assert page.corrected == "wordpress plugin"
    assert [k.title for k in page.object_list] == [plugin.title]
    page = selectors.kwork_search(query="qqqzzz")
    assert page.corrected is None and list(page.object_list) == []
    page = selectors.kwork_search(query="translate")
    assert page.corrected is None  # an exact match is not "corrected"


def test_c12_typo_correction_applies_the_named_threshold():
    _kwork("I will make your logo")
    services.search_terms_refresh()
    # "logomania" shares "logo" but not enough of itself: word similarity 0.4, under the threshold.
    assert search_backends.word_similarity("logomania", "logo") < rules.SEARCH_TRIGRAM_THRESHOLD
    assert selectors.corrected_query("logomania") is None
    assert selectors.corrected_query("lgo") is None  # two trigrams of four in common with "logo": too far
    assert selectors.corrected_query("logo") is None  # nothing to correct
    assert selectors.corrected_query("loggo") == "logo"


def test_c12_typo_correction_keeps_exclusions_phrases_and_prefixes():
    logo = _kwork("I will design a minimalist logo")
    _kwork("I will design a print banner")
    services.search_terms_refresh()
    page = selectors.kwork_search(query="desing -print")
    assert page.corrected == "design -print"
    assert [k.title for k in page.object_list] == [logo.title]
    page = selectors.kwork_search(query='"minimalist logp"')
    assert page.corrected == '"minimalist logo"'
    assert [k.title for k in page.object_list] == [logo.title]
    page = selectors.kwork_search(query="-logo")  # only an exclusion: nothing searched, nothing "corrected"
    assert page.corrected is None and list(page.object_list) == []
    page = selectors.kwork_search(query="desing logp*")  # a prefix is what was typed, not a typo
    assert page.corrected is None and list(page.object_list) == []


def test_c12_the_page_says_what_it_searched_instead(client):
    _kwork("I will translate your website into Czech")
    services.search_terms_refresh()
    response = client.get(reverse("marketplace:search"), {"q": "transalte"})
    assert "showing results for <strong>translate</strong>" in response.text
    assert "I will translate your website into Czech" in response.text


@pytest.mark.postgres
def test_c12_python_trigram_measures_equal_pg_trgm():
    """SQLite scores typo candidates with these functions; they must agree with pg_trgm exactly."""
    pairs = [
        ("transalte", "translate"),
        ("plugn", "plugin"),
        ("logomania", "logo"),
        ("logo", "logomania"),
        ("wordpres", "wordpress"),
        ("desing", "design"),
        ("abc", "xabcabcx"),
        ("writte", "written"),
        ("seo", "seoo"),
    ]
    with connection.cursor() as cursor:
        for query, word in pairs:
            cursor.execute("SELECT word_similarity(%s, %s), similarity(%s, %s)", [query, word, query, word])
            expected_word, expected = cursor.fetchone()
            assert search_backends.word_similarity(query, word) == pytest.approx(expected_word, abs=1e-6)
            assert search_backends.trigram_similarity(query, word) == pytest.approx(expected, abs=1e-6)


@pytest.mark.postgres
def test_c12_stop_words_are_postgresqls_own():
    """SQLite drops the words PostgreSQL's english configuration drops, no more and no fewer of these."""
    words = sorted(search_backends.STOP_WORDS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w WHERE to_tsvector('english', w) <> ''::tsvector", [words]
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w WHERE to_tsvector('english', w) = ''::tsvector",
            [["logo", "design", "website", "translate", "will", "none", "also", "could", "would"]],
        )
        missed = {row[0] for row in cursor.fetchall()}
    assert missed <= search_backends.STOP_WORDS, missed - search_backends.STOP_WORDS


def test_c12_full_text_tables_exist_only_on_sqlite():
    """Migration 0014 makes SQLite's FTS5 tables and leaves PostgreSQL alone."""
    tables = set(connection.introspection.table_names())
    made = {"marketplace_kwork_fts", "marketplace_searchterm_trigrams"} & tables
    assert made == (
        {"marketplace_kwork_fts", "marketplace_searchterm_trigrams"} if connection.vendor == "sqlite" else set()
    )


# --- the demo data's own examples ------------------------------------------------------------------------------


def test_c12_the_demo_data_finds_its_own_examples(client):
    call_command("seed_demo", stdout=io.StringIO())
    logo = _titles("logo design")
    assert logo and all("logo" in title.lower() for title in logo)
    assert "I will translate your text from English to Czech" in _titles("translation")
    assert "I will build a WordPress business website with five pages" in _titles("wordpress website")
    page = selectors.kwork_search(query="transalte")
    assert page.corrected == "translate"
    assert "I will translate your website from English to German" in [k.title for k in page.object_list]
    response = client.get(reverse("marketplace:search"), {"q": "logo design"})  # the home page's own hint
    assert response.status_code == 200 and "I will design a minimalist logo for your brand" in response.text


# --- filters, sorts and pages with a search --------------------------------------------------------------------


def test_c12_search_with_filters_sorts_and_pages():
    for dollars in range(10, 40):
        _kwork(f"I will write a text for {dollars} dollars", price_cents=dollars * 100)
    _kwork("I will draw a picture", price_cents=1500)
    filters = {"price_max": 34, "sort": "-price"}
    first = selectors.kwork_search(query="text", filters=selectors.CatalogueFilters(**filters))
    assert first.paginator.count == 25 and first.paginator.num_pages == 2
    prices = [k.price_cents for k in first.object_list]
    assert prices == sorted(prices, reverse=True) == [d * 100 for d in range(34, 10, -1)]
    second = selectors.kwork_search(query="text", filters=selectors.CatalogueFilters(**filters), page_number=2)
    assert [k.price_cents for k in second.object_list] == [1000]
    ranked = selectors.kwork_search(query="text", filters=selectors.CatalogueFilters(price_min=30), page_number=1)
    assert ranked.paginator.count == 10 and all(k.price_cents >= 3000 for k in ranked.object_list)
    beyond = selectors.kwork_search(query="text", page_number=99)  # past the end: the last page
    assert beyond.number == 2 and len(beyond.object_list) == 30 - rules.SEARCH_PAGE_SIZE


def test_c12_search_pages_by_relevance_without_repeats():
    for n in range(30):
        _kwork(f"I will write a text number {n}", description=FILLER + "text " * (n % 5))
    seen = []
    for number in (1, 2):
        seen += [k.pk for k in selectors.kwork_search(query="text", page_number=number).object_list]
    assert len(seen) == len(set(seen)) == 30


# --- constant queries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["text", "texr", '"write a text"', "writ*"])
def test_c12_search_queries_do_not_grow_with_results(client, query):
    client.force_login(UserFactory())  # logged in: hearts on the grid
    counts = []
    for n in (1, 40):
        sub = SubcategoryFactory()
        for i in range(n):
            ImageFactory(kwork=_kwork(f"I will write a text {i}", category=sub))
        services.search_terms_refresh()
        client.get(reverse("marketplace:search"), {"q": query})  # warm-up (last-seen write, caches)
        caching.catalogue_changed()  # grids are cached for everyone now: this one is searched again
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("marketplace:search"), {"q": query})
        assert len(response.context["page"].object_list) == min(n, rules.SEARCH_PAGE_SIZE)
        counts.append(len(ctx.captured_queries))
        Kwork.objects.all().delete()
    assert counts[0] == counts[1], counts


# --- input that must never break a query -----------------------------------------------------------------------

NASTY = [
    '"',
    '""',
    '"unterminated',
    "NEAR(logo design",
    "NEAR(a b, 2)",
    "logo AND OR NOT design",
    "*",
    "**logo**",
    "-",
    "--",
    "-*",
    "^logo",
    "title:logo",
    "{title volume}: logo",
    "'",
    "\\",
    "logo's",
    ":*",
    "!logo & | <-> ()",
    "logo:*A",
    "a\x00b",
    "\x00",
    "ロゴ デザイン",
    "logo 🎨",
    "%_%",
    "x" * 5000,
    "logo " * 300,
    ") OR 1=1 --",
    "\u200b\u00ad",
    "_",
]


@pytest.mark.parametrize("text", NASTY)
def test_c12_malformed_queries_never_fail(client, text):
    _kwork("I will design a minimalist logo")
    services.search_terms_refresh()
    selectors.kwork_search(query=text)
    response = client.get(reverse("marketplace:search"), {"q": text})
    assert response.status_code == (400 if "\x00" in text else 200)  # the middleware refuses NUL bytes
    assert client.get(reverse("marketplace:search"), {"q": "logo"}).status_code == 200  # the connection is fine


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60))
def test_c12_any_text_is_a_valid_query(text):
    with CaptureQueriesContext(connection):
        page = selectors.kwork_search(query=text)
    assert page.paginator.count >= 0
