"""C12 relevance with a bound (issue 14): on PostgreSQL a search ranks at most SEARCH_RANKED_MAX Top Rated
matches and as many others (marketplace/search_backends.py, PostgresBackend.relevance_sql). The bound is set
low here so a handful of Kworks is a "broad" search. Narrow searches must keep the full ranking's exact order,
broad ones Top Rated first, a count that says "more than", and pages that neither overlap nor skip."""

import json

import pytest
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F
from django.urls import reverse

from marketplace import caching, rules, search_backends, selectors
from tests.marketplace.factories import KworkFactory, SubcategoryFactory

pytestmark = pytest.mark.django_db

BOUND = 3
FILLER = "Clear communication, on time, one round of revisions included. " * 3


@pytest.fixture
def bound(monkeypatch):
    monkeypatch.setattr(rules, "SEARCH_RANKED_MAX", BOUND)
    return BOUND


@pytest.fixture
def logos():
    """Five Top Rated and seven other "logo" Kworks whose text ranks differ (the word repeated in the
    description), and two Kworks that do not match."""
    kworks = []
    for n in range(12):
        kworks.append(
            KworkFactory(
                title=f"I will draw a logo in style {n}",
                description=FILLER + "logo " * (n % 4),
                volume="1 concept",
                top_rated=n % 12 < 5,
            )
        )
    KworkFactory(title="I will write a blog post", description=FILLER, volume="1 post")
    KworkFactory(title="I will edit your video", description=FILLER, volume="1 minute", top_rated=True)
    return kworks


def _full_ranking(query):
    """The order every match would have if all of them were ranked (the code before the bound)."""
    parsed = search_backends.parse(query)
    search = SearchQuery(search_backends.PostgresBackend.tsquery(parsed), search_type="raw", config="english")
    return list(
        selectors.listed_kworks()
        .filter(search_vector=search)
        .annotate(rank=SearchRank(F("search_vector"), search))
        .order_by("-top_rated", "-rank", "-id")
        .values_list("pk", flat=True)
    )


def _ranked(query):
    return search_backends.current().search(selectors.listed_kworks(), search_backends.parse(query))


def _all_pages(query, monkeypatch, page_size=2):
    monkeypatch.setattr(rules, "SEARCH_PAGE_SIZE", page_size)
    first = selectors.kwork_search(query=query)
    ids = [k.pk for k in first.object_list]
    for number in range(2, first.paginator.num_pages + 1):
        ids += [k.pk for k in selectors.kwork_search(query=query, page_number=number).object_list]
    return first.paginator, ids


@pytest.mark.postgres
def test_c12_narrow_search_keeps_the_full_rankings_exact_order(logos, monkeypatch):
    monkeypatch.setattr(rules, "SEARCH_RANKED_MAX", 12)  # 5 Top Rated, 7 others: neither half is over
    ranked = _ranked("logo")
    assert not ranked.capped and ranked.count() == 12
    assert ranked[0:12] == _full_ranking("logo")
    # The default bound on a narrow query: the same as the full ranking, counted exactly.
    monkeypatch.undo()
    assert _ranked("style").count() == 12 and _ranked("style")[0:24] == _full_ranking("style")


@pytest.mark.postgres
def test_c12_broad_search_ranks_a_bounded_set_top_rated_first(logos, bound):
    ranked = _ranked("logo")
    assert ranked.capped
    ids = ranked[0 : ranked.count()]
    by_pk = {k.pk: k for k in logos}
    top = [pk for pk in ids if by_pk[pk].top_rated]
    rest = [pk for pk in ids if not by_pk[pk].top_rated]
    # At most the bound plus the one row that shows there are more, per half; every Top Rated one first.
    assert len(top) == len(rest) == bound + 1 and len(ids) == len(set(ids)) == ranked.count()
    assert ids == top + rest
    # Each half keeps the full ranking's relative order among the Kworks it ranked.
    full = _full_ranking("logo")
    assert top == [pk for pk in full if pk in set(top)]
    assert rest == [pk for pk in full if pk in set(rest)]
    # Nothing outside the matches; the Top Rated Kwork that does not match stays out.
    assert set(ids) <= set(by_pk)


@pytest.mark.postgres
def test_c12_broad_search_pages_walk_the_ranked_list_without_overlap_or_gap(logos, bound, monkeypatch):
    paginator, ids = _all_pages("logo", monkeypatch)
    assert paginator.count == 2 * (bound + 1) and paginator.num_pages == bound + 1
    assert len(ids) == len(set(ids)) == paginator.count
    assert ids == _ranked("logo")[0 : paginator.count]


def test_c12_search_pages_without_overlap_or_gap_on_either_database(logos, bound, monkeypatch):
    """SQLite ranks every match (bm25 over FTS5 reads no row it does not need); PostgreSQL the bounded set."""
    paginator, ids = _all_pages("logo", monkeypatch)
    assert len(ids) == len(set(ids)) == paginator.count
    top_rated = {k.pk for k in logos if k.top_rated}
    flags = [pk in top_rated for pk in ids]
    assert flags == sorted(flags, reverse=True)  # Top Rated first


@pytest.mark.postgres
def test_c12_broad_search_says_more_than_the_bound(client, logos, bound):
    caching.catalogue_changed()
    response = client.get(reverse("marketplace:search"), {"q": "logo"})
    assert response.status_code == 200
    assert f"More than {bound} Kworks" in response.text
    narrow = client.get(reverse("marketplace:search"), {"q": "blog"})
    assert "More than" not in narrow.text and ">1 Kwork<" in narrow.text


@pytest.mark.postgres
def test_c12_filters_and_field_sorts_are_not_bounded(logos, bound):
    sub = SubcategoryFactory()
    in_sub = [KworkFactory(title=f"I will draw a logo sketch {n}", category=sub) for n in range(2)]
    filtered = search_backends.current().search(
        selectors.listed_kworks().filter(category=sub), search_backends.parse("logo")
    )
    assert not filtered.capped and sorted(filtered[0:24]) == sorted(k.pk for k in in_sub)
    page = selectors.kwork_search(query="logo", filters=selectors.CatalogueFilters(sort="price"))
    assert page.paginator.count == 14 and not getattr(page.paginator.object_list, "capped", False)


def _plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


@pytest.mark.postgres
def test_c12_broad_search_computes_ts_rank_only_over_the_bounded_set(logos, bound):
    """EXPLAIN: the sort by ts_rank reads at most 2 × (bound + 1) rows, each half cut by a LIMIT under it,
    while 12 Kworks match."""
    sql, params = search_backends.PostgresBackend().relevance_sql(
        selectors.listed_kworks(), search_backends.parse("logo")
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    sorts = [n for n in _plan_nodes(plan) if n["Node Type"] == "Sort" and "ts_rank" in " ".join(n["Sort Key"])]
    assert len(sorts) == 1
    (rank_sort,) = sorts
    assert rank_sort["Actual Rows"] == 2 * (bound + 1) < len(_full_ranking("logo"))
    limits = [n for n in _plan_nodes(rank_sort) if n["Node Type"] == "Limit"]
    assert len(limits) == 2 and all(n["Actual Rows"] == bound + 1 for n in limits)
