"""C12 search upkeep on either database (marketplace/search_backends): each Kwork's indexed text and the
typo-correction vocabulary."""

from .. import search_backends


def kwork_search_vectors_update(kwork_ids):
    """C12: index the text of these Kworks (title weighs more than volume, volume more than description): the
    stored tsvector on PostgreSQL, the FTS5 table on SQLite. The editor and moderation call it for one Kwork;
    the bench, demo and tests for many."""
    search_backends.current().index(list(kwork_ids))


def search_terms_refresh():
    """C12 beat job: rebuild the vocabulary used to correct typos from the words of listed Kworks. Returns the
    number of words."""
    return search_backends.current().vocabulary_refresh()
