"""C12 search: the typo correction's threshold and vocabulary, malformed queries."""

import pytest
from django.db import connection, transaction

from marketplace import rules, selectors
from marketplace.models import SearchTerm

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
