"""C12 search: each database's own query plans (the tests of what search finds run on both databases in
test_search_backends.py)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from marketplace import rules, selectors
from marketplace.models import SearchTerm
from tests.marketplace.factories import KworkFactory

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_c12_typo_correction_applies_the_named_trigram_threshold():
    SearchTerm.objects.create(word="logo", documents=5)
    SearchTerm.objects.create(word="plugin", documents=5)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT similarity('logomania', 'logo'), word_similarity('logomania', 'logo'), "
            "word_similarity('plugn', 'plugin')"
        )
        similarity, word_similarity, close = cursor.fetchone()
    # "logomania" is similar enough at PostgreSQL's default (0.3) but not at the named threshold.
    assert 0.3 <= similarity < rules.SEARCH_TRIGRAM_THRESHOLD
    assert word_similarity < rules.SEARCH_TRIGRAM_THRESHOLD <= close
    assert selectors.corrected_query("plugn") == "plugin"
    assert selectors.corrected_query("logomania") is None


@pytest.mark.postgres
def test_c12_typo_correction_still_uses_the_trigram_index():
    SearchTerm.objects.bulk_create(SearchTerm(word=f"word{i}", documents=1) for i in range(50))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(rules.SEARCH_TRIGRAM_THRESHOLD)],
        )
        cursor.execute(
            "EXPLAIN SELECT DISTINCT ON (q.word) q.word, t.word FROM unnest(%s::text[]) AS q(word) "
            "JOIN marketplace_searchterm t ON t.word %%> q.word "
            "ORDER BY q.word, similarity(t.word, q.word) DESC, t.documents DESC",
            [["wrod"]],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "searchterm_word_trgm" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 plan (PostgreSQL's GIN plans are above)")
def test_c12_sqlite_search_is_driven_by_the_fts5_index():
    """Neither the count nor the ranked page reads every Kwork: FTS5 finds the matches, each is checked against
    the filters by its primary key."""
    for n in range(30):
        KworkFactory(title=f"I will design a logo number {n}", top_rated=n % 7 == 0)
    with CaptureQueriesContext(connection) as ctx:
        page = selectors.kwork_search(query="logo design")
    assert page.paginator.count == 30
    plans = []
    for captured in ctx.captured_queries:
        if "marketplace_kwork_fts" in captured["sql"]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + captured["sql"])
                plans.append([row[3] for row in cursor.fetchall()])
    assert len(plans) == 2, plans  # the count and the ranked page
    for plan in plans:
        assert any(step.startswith("SCAN marketplace_kwork_fts VIRTUAL TABLE INDEX") for step in plan), plan
        assert not any(step.startswith("SCAN") and "marketplace_kwork_fts" not in step for step in plan), plan
