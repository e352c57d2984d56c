"""C12 keyword search behind one interface, on both databases the site runs on.

- PostgreSQL (production): the stored tsvector (title A, volume B, description C) with its partial GIN index,
  ranked by ts_rank; typos corrected with pg_trgm over the `SearchTerm` vocabulary.
- SQLite (the embedded default of `make run`): an FTS5 table (porter stemmer over unicode61) ranked by bm25 with
  the same column weights; typos corrected over the same vocabulary through an FTS5 trigram table that picks the
  candidates and pg_trgm's own similarity measures computed here.

Both read one query language (`parse`), the one of PostgreSQL's websearch_to_tsquery plus prefixes: every word
is required, "quoted words" are a phrase, `-word` excludes, `or` separates alternatives, `word*` is a prefix.
English stop words are ignored (PostgreSQL's english configuration drops them). Anything else a visitor types is
turned into plain words, so no input is ever a syntax error.

Both backends are kept up to date by the same calls: `index(ids)` wherever a Kwork's text is saved (the editor,
moderation applying changes, bulk generators) and `vocabulary_refresh()` from the beat job and seed_demo.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, replace

from django.contrib.postgres.search import SearchQuery
from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL

from . import rules
from .models import Kwork, SearchTerm

# PostgreSQL's english stop words (its snowball english.stop): to_tsquery drops them, so SQLite does too.
_STOP_WORDS_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# ts_rank's default weights of the labels A, B and C (title, volume, description), given to bm25 on SQLite.
COLUMN_WEIGHTS = (1.0, 0.4, 0.2)
# SQLite: vocabulary words (those sharing the most trigrams) scored per misspelt word.
TYPO_CANDIDATES = 100

# PostgreSQL: the words of listed Kworks as written (not stemmed), for ts_stat.
LISTED_WORDS_SQL = (
    "SELECT to_tsvector('simple', title || ' ' || volume || ' ' || description) FROM marketplace_kwork "
    "WHERE status = 'active' AND NOT auto_paused AND NOT weekend_hidden"
)
# SQLite: the vocabulary words sharing the most trigrams with one word (`"tra" OR "ran" OR …`).
CANDIDATES_SQL = (
    "SELECT * FROM (SELECT %s AS asked, word, documents FROM marketplace_searchterm_trigrams "
    "WHERE marketplace_searchterm_trigrams MATCH %s ORDER BY rank LIMIT %s)"
)

_TOKEN = re.compile(r'(-*)"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"[^\W_]+")
# Characters kept inside a word (`node.js`, `c++`, `e-commerce`); anything else separates words. Neither
# backend's quoting characters (' \ ") survive, so a word is always a literal in both query syntaxes.
_NOT_WORD = re.compile(r"[^\w.+#@-]|_")


# --- the query language --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """One word (it may hold inner punctuation such as `node.js`) or a phrase of words separated by spaces."""

    text: str
    prefix: bool = False
    negated: bool = False


@dataclass(frozen=True)
class Query:
    """Alternatives (`or`), each a tuple of clauses that must all hold; every alternative has a clause that is
    not negated (a query made only of exclusions would list the whole catalogue)."""

    groups: tuple = ()

    def __bool__(self):
        return bool(self.groups)

    def text(self):
        """The query written back in its own language (what the page shows after a typo correction)."""

        def written(clause):
            text = f'"{clause.text}"' if " " in clause.text else clause.text
            return ("-" if clause.negated else "") + text + ("*" if clause.prefix else "")

        return " or ".join(" ".join(written(clause) for clause in group) for group in self.groups)

    def typo_words(self):
        """The words the typo correction looks at: those of wanted clauses (not exclusions, not prefixes), letters
        and digits only, long enough to correct, at most SEARCH_CORRECTED_WORDS_MAX."""
        words = []
        for group in self.groups:
            for clause in group:
                if not (clause.negated or clause.prefix):
                    words += [w for w in _WORD.findall(clause.text) if len(w) >= rules.SEARCH_TERM_MIN_LENGTH]
        return list(dict.fromkeys(words))[: rules.SEARCH_CORRECTED_WORDS_MAX]

    def corrected(self, closest):
        """This query with each typo word replaced by its closest vocabulary word (`closest`: {word: word});
        None when one of them has no close word, or when nothing changes."""
        words = self.typo_words()
        if not words or not all(word in closest for word in words):
            return None

        def fix(clause):
            if clause.negated or clause.prefix:
                return clause
            # A vocabulary word is cleaned like typed words (it may hold punctuation, e.g. `node.js`).
            fixed = _clause(_WORD.sub(lambda m: closest.get(m.group(0), m.group(0)), clause.text))
            return replace(clause, text=fixed.text) if fixed else None

        groups = tuple(tuple(fix(clause) for clause in group) for group in self.groups)
        if any(clause is None for group in groups for clause in group):
            return None  # a word was "corrected" into a stop word
        corrected = Query(groups)
        return corrected if corrected != self else None


def _words(text):
    return _NOT_WORD.sub(" ", text.lower()).split()


def _is_stop(word):
    letters = _WORD.findall(word)
    return all(part in STOP_WORDS for part in letters)


def _clause(text, *, prefix=False, negated=False):
    words = [word for word in _words(text) if _WORD.search(word)]
    # Stop words at the ends are dropped as PostgreSQL drops them; inner ones stay (a phrase keeps its gaps).
    while words and _is_stop(words[0]):
        words.pop(0)
    while words and _is_stop(words[-1]):
        words.pop()
        prefix = False  # the prefix belonged to the dropped word
    if not words:
        return None
    return Clause(" ".join(words), prefix=prefix, negated=negated)


def parse(text):
    """The visitor's query as a `Query` (empty when nothing searchable is left)."""
    groups, current = [], []

    def close():
        if any(not clause.negated for clause in current):
            groups.append(tuple(current))
        current.clear()

    for match in _TOKEN.finditer(text or ""):
        minus, quoted, bare = match.groups()
        if quoted is not None:
            clause = _clause(quoted, negated=bool(minus))  # a phrase: no prefix
        elif bare.lower() == "or":
            close()
            continue
        else:
            negated = bare.startswith("-")
            bare = bare.lstrip("-")
            prefix = bare.endswith("*")
            clause = _clause(bare.rstrip("*"), prefix=prefix, negated=negated)
        if clause and clause not in current:
            current.append(clause)
    close()
    return Query(tuple(groups))


# --- what a search returns -------------------------------------------------------------------------------------


class Ranked:
    """The matching Kwork ids in the asked order, counted once; the paginator slices it, one query per page
    (or none: PostgreSQL's relevance hands over the ranked list). `capped`: more Kworks match than were ranked
    (`total` then counts the ranked ones only)."""

    def __init__(self, total, fetch, *, capped=False):
        self.total = total
        self._fetch = fetch  # (offset, limit) -> list of ids
        self.capped = capped

    def count(self):
        return self.total

    def __len__(self):
        return self.total

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("Ranked ids are read a page (a slice) at a time.")
        start = max(key.start or 0, 0)
        stop = self.total if key.stop is None else min(key.stop, self.total)
        return self._fetch(start, stop - start) if stop > start else []

    @classmethod
    def none(cls):
        return cls(0, lambda offset, limit: [])


def _sliced(queryset):
    ids = queryset.values_list("pk", flat=True)
    return lambda offset, limit: list(ids[offset : offset + limit])


# --- pg_trgm's measures, for SQLite -----------------------------------------------------------------------------


def _trigrams(word):
    padded = f"  {word} "  # pg_trgm pads each word with two spaces in front and one behind
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def trigram_similarity(a, b):
    """pg_trgm's similarity(a, b): shared trigrams over all trigrams of the two words."""
    first, second = set(_trigrams(a)), set(_trigrams(b))
    return len(first & second) / len(first | second)


def word_similarity(query, word):
    """pg_trgm's word_similarity(query, word): the best similarity between the query's trigrams and those of a
    continuous stretch of the word (so a misspelt word still matches the start of a longer one)."""
    wanted, sequence, best = set(_trigrams(query)), _trigrams(word), 0.0
    for start in range(len(sequence)):
        stretch, shared = set(), 0
        for trigram in sequence[start:]:
            if trigram not in stretch:
                stretch.add(trigram)
                shared += trigram in wanted
            best = max(best, shared / (len(wanted) + len(stretch) - shared))
    return best


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


class PostgresBackend:
    vendor = "postgresql"

    @staticmethod
    def tsquery(query):
        """`('logo' & 'design':*) | ('banner' & !'print')`: each word a quoted operand, which to_tsquery runs
        through the english configuration (stemming, phrases for `node.js`-like words) and never misreads."""

        def operand(clause):
            text = f"'{clause.text}'" + (":*" if clause.prefix else "")
            return f"!{text}" if clause.negated else text

        return " | ".join("(" + " & ".join(operand(c) for c in group) + ")" for group in query.groups)

    def index(self, kwork_ids):
        if not kwork_ids:
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

    def vocabulary_refresh(self):
        """The words as written (the `simple` configuration: lower case, not stemmed), so a correction reads
        "translate", not the stem "translat"."""
        with transaction.atomic(), connection.cursor() as cursor:
            # Two workers at once would both insert every word (a unique violation): the second waits for the
            # first and then rebuilds from its committed rows.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["marketplace.search_terms_refresh"])
            cursor.execute("DELETE FROM marketplace_searchterm")
            cursor.execute(
                "INSERT INTO marketplace_searchterm (word, documents) SELECT word, ndoc FROM ts_stat(%s) "
                "WHERE length(word) BETWEEN %s AND %s",
                [LISTED_WORDS_SQL, rules.SEARCH_TERM_MIN_LENGTH, rules.SEARCH_TERM_MAX_LENGTH],
            )
            return cursor.rowcount

    def search(self, queryset, query, order=None):
        """`order` None ranks by relevance (Top Rated first, then ts_rank), in one query whatever the number of
        matches: see `relevance_sql`. A field order counts the matches and reads one page at a time."""
        if order is not None:
            matching = queryset.filter(search_vector=self._search_query(query))
            return Ranked(matching.count(), _sliced(matching.order_by(*order)))
        sql, params = self.relevance_sql(queryset, query)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        bound = rules.SEARCH_RANKED_MAX
        capped = sum(top for _, top in rows) > bound or sum(not top for _, top in rows) > bound
        ids = [pk for pk, _ in rows]
        return Ranked(len(ids), lambda offset, limit: ids[offset : offset + limit], capped=capped)

    @staticmethod
    def _search_query(query):
        return SearchQuery(PostgresBackend.tsquery(query), search_type="raw", config="english")

    def relevance_sql(self, queryset, query):
        """(sql, params) of the matches' ids and Top Rated flags in relevance order. ts_rank reads each match's
        whole tsvector, and checking the listing filters reads its row: over every match of a broad word
        ("logo", "video": thousands) that alone passes the 10 ms a search may take. So each half — the Top
        Rated matches (their own small partial GIN index, migration 0015) and the others — is cut at
        SEARCH_RANKED_MAX + 1 rows in the order the index gives them (table order) *before* ts_rank, and only
        those are ranked. A search with no more matches than that (any narrow one) ranks them all: the order of
        a full ranking. A broader one ranks the same set of its matches each time, Top Rated still first; its
        pages slice the same ranked list, so they neither overlap nor skip."""
        search = self._search_query(query)
        matching = queryset.filter(search_vector=search).order_by()
        halves = []
        for top in (True, False):
            half = matching.filter(top_rated=top).values_list("pk", "top_rated", "search_vector")
            halves.append(half[: rules.SEARCH_RANKED_MAX + 1].query.sql_with_params())
        (top_sql, top_params), (rest_sql, rest_params) = halves
        # Only the ORM's own compiled SQL is pasted in; every value is a parameter.
        sql = (
            f"SELECT id, top_rated FROM (({top_sql}) UNION ALL ({rest_sql})) AS candidates(id, top_rated, vector) "  # noqa: S608
            "ORDER BY top_rated DESC, ts_rank(vector, to_tsquery('english'::regconfig, %s)) DESC, id DESC"
        )
        return sql, [*top_params, *rest_params, self.tsquery(query)]

    def similar_words(self, words):
        """{word: the closest vocabulary word} in one query: qualifying by word similarity (`%>`, served by the
        trigram GIN index) at SEARCH_TRIGRAM_THRESHOLD; the closest (similarity, then documents) wins."""
        with transaction.atomic(), connection.cursor() as cursor:
            # SET LOCAL: the threshold of `%>` for this transaction only (the server default is 0.6).
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                [str(rules.SEARCH_TRIGRAM_THRESHOLD)],
            )
            cursor.execute(
                "SELECT DISTINCT ON (q.word) q.word, t.word FROM unnest(%s::text[]) AS q(word) "
                "JOIN marketplace_searchterm t ON t.word %%> q.word "
                "ORDER BY q.word, similarity(t.word, q.word) DESC, t.documents DESC, t.word",
                [list(words)],
            )
            return dict(cursor.fetchall())


# --- SQLite --------------------------------------------------------------------------------------------------------


class SqliteBackend:
    vendor = "sqlite"

    @staticmethod
    def fts_query(query):
        """`("logo" AND "design" *) OR (("banner") NOT ("print"))`: each word an FTS5 string, which the table's
        tokenizer splits and stems like the documents (so `node.js` is the phrase "node js")."""

        def phrase(clause):
            return f'"{clause.text}"' + (" *" if clause.prefix else "")

        alternatives = []
        for group in query.groups:
            wanted = " AND ".join(phrase(c) for c in group if not c.negated)
            unwanted = " OR ".join(phrase(c) for c in group if c.negated)
            alternatives.append(f"(({wanted}) NOT ({unwanted}))" if unwanted else f"({wanted})")
        return " OR ".join(alternatives)

    def index(self, kwork_ids):
        ids = json.dumps([int(pk) for pk in kwork_ids])  # one parameter, however many ids
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM marketplace_kwork_fts WHERE rowid IN (SELECT value FROM json_each(%s))", [ids]
            )
            cursor.execute(
                "INSERT INTO marketplace_kwork_fts (rowid, title, volume, description) "
                "SELECT id, title, volume, description FROM marketplace_kwork "
                "WHERE id IN (SELECT value FROM json_each(%s))",
                [ids],
            )

    def vocabulary_refresh(self):
        """The words of listed Kworks with the number of Kworks using each (what ts_stat gives PostgreSQL), and
        their trigram table. Rows of deleted Kworks leave the full-text table here too."""
        documents = Counter()
        listed = Kwork.objects.filter(status=Kwork.Status.ACTIVE, auto_paused=False, weekend_hidden=False)
        for texts in listed.values_list("title", "volume", "description").iterator(chunk_size=2000):
            documents.update(
                {
                    word
                    for word in _WORD.findall(" ".join(texts).lower())
                    if rules.SEARCH_TERM_MIN_LENGTH <= len(word) <= rules.SEARCH_TERM_MAX_LENGTH
                }
            )
        with transaction.atomic(), connection.cursor() as cursor:
            SearchTerm.objects.all().delete()
            SearchTerm.objects.bulk_create(
                SearchTerm(word=word, documents=count) for word, count in documents.items()
            )
            cursor.execute("DELETE FROM marketplace_searchterm_trigrams")
            cursor.execute(
                "INSERT INTO marketplace_searchterm_trigrams (rowid, word, documents) "
                "SELECT id, word, documents FROM marketplace_searchterm"
            )
            cursor.execute(
                "DELETE FROM marketplace_kwork_fts WHERE rowid NOT IN (SELECT id FROM marketplace_kwork)"
            )
        return len(documents)

    def search(self, queryset, query, order=None):
        """`order` None ranks by relevance (Top Rated first, then bm25). The count and a field order go through
        the ORM; the relevance order needs bm25, which only a query over the FTS5 table itself can call."""
        match = self.fts_query(query)
        # The match is a parameter; the SQL is constant.
        found = RawSQL("SELECT rowid FROM marketplace_kwork_fts WHERE marketplace_kwork_fts MATCH %s", [match])
        matching = queryset.filter(pk__in=found)
        try:
            total = matching.count()
        except DatabaseError:  # an FTS5 syntax error parse() failed to prevent: no match, never a 500
            return Ranked.none()
        if order is not None:
            return Ranked(total, _sliced(matching.order_by(*order)))
        # The filters are checked per matching row (EXISTS on the primary key): `IN (listed)` would make SQLite
        # read every listed Kwork first. Only the ORM's own compiled SQL is pasted in; values are parameters.
        this_row = queryset.order_by().filter(pk=RawSQL("k.id", ())).values("pk")
        listed_sql, listed_params = this_row.query.sql_with_params()
        sql = (
            "SELECT k.id FROM marketplace_kwork_fts JOIN marketplace_kwork k ON k.id = marketplace_kwork_fts.rowid "  # noqa: S608
            f"WHERE marketplace_kwork_fts MATCH %s AND EXISTS ({listed_sql}) "
            "ORDER BY k.top_rated DESC, bm25(marketplace_kwork_fts, %s, %s, %s), k.id DESC LIMIT %s OFFSET %s"
        )

        def fetch(offset, limit):
            with connection.cursor() as cursor:
                cursor.execute(sql, [match, *listed_params, *COLUMN_WEIGHTS, limit, offset])
                return [row[0] for row in cursor.fetchall()]

        return Ranked(total, fetch)

    def similar_words(self, words):
        """{word: the closest vocabulary word} in one query: the FTS5 trigram table gives each word the
        TYPO_CANDIDATES vocabulary words sharing the most trigrams; pg_trgm's word similarity must reach
        SEARCH_TRIGRAM_THRESHOLD, and the closest (similarity, then documents) wins, as on PostgreSQL."""
        words = list(words)
        if not words:
            return {}
        parts, params = [], []
        for word in words:
            grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
            parts.append(CANDIDATES_SQL)
            params += [word, " OR ".join(f'"{gram}"' for gram in grams), TYPO_CANDIDATES]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = cursor.fetchall()
        candidates = {}
        for asked, word, documents in rows:
            if word_similarity(asked, word) >= rules.SEARCH_TRIGRAM_THRESHOLD:
                candidates.setdefault(asked, []).append((-trigram_similarity(word, asked), -documents, word))
        return {asked: min(found)[2] for asked, found in candidates.items()}


BACKENDS = {backend.vendor: backend for backend in (PostgresBackend(), SqliteBackend())}


def current():
    """The backend of the database in use."""
    return BACKENDS[connection.vendor]
