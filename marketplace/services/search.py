"""C12 search upkeep: the stored tsvector of each Kwork and the typo-correction vocabulary."""

from django.db import connection, transaction

from .. import rules

SEARCH_TERMS_LOCK = "marketplace.search_terms_refresh"


def kwork_search_vectors_update(kwork_ids):
    """C12: refresh the stored tsvector (title weighs more than description) on PostgreSQL. The editor calls it
    for one Kwork; the bench and tests for many."""
    if connection.vendor != "postgresql" or not kwork_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_kwork SET search_vector = "
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(volume, '')), 'B') || "
            "setweight(to_tsvector('english', coalesce(description, '')), 'C') "
            "WHERE id = ANY(%s)",
            [list(kwork_ids)],
        )


def search_terms_refresh():
    """C12 beat job: rebuild the vocabulary used to correct typos from the words of listed Kworks (ts_stat).
    PostgreSQL only; returns the number of words."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        # Two workers at once would both insert every word (a unique violation): the second waits for the first
        # and then rebuilds from its committed rows.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [SEARCH_TERMS_LOCK])
        cursor.execute("DELETE FROM marketplace_searchterm")
        cursor.execute(
            "INSERT INTO marketplace_searchterm (word, documents) SELECT word, ndoc FROM ts_stat("
            "'SELECT search_vector FROM marketplace_kwork WHERE status = ''active'' AND NOT auto_paused "
            "AND NOT weekend_hidden') WHERE length(word) BETWEEN %s AND %s",
            [rules.SEARCH_TERM_MIN_LENGTH, rules.SEARCH_TERM_MAX_LENGTH],
        )
        return cursor.rowcount
