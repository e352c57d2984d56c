"""C12 search SQL on PostgreSQL at 100,000 Kworks (issue 14): the relevance ranking bounded at SEARCH_RANKED_MAX
(PostgresBackend.search: one query, a LIMIT before ts_rank) against the full ranking it replaced (a count and a
page ordered by ts_rank over every match), measured in the same run, interleaved, for broad and narrow queries.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly_bench
    .venv/bin/python bench/search_sql_bench.py [--repeat 15]

Each figure is the median wall time, in this process, of a search's SQL up to the ids of its first page: the
search, the typo correction when nothing matches and the corrected search (the page's cards, the same query for
both, are left out); wall time in a loaded process includes waiting for a core, so the server's own figure is
printed too: the median sum of the EXPLAIN ANALYZE execution times of those queries (what bench/catalogue_bench.py
prints per search). Also: the matches and how many the bounded search ranked (what the page counts). Generate
the data first with bench/generate_kworks.py."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# One word: thousands of matches each ("wordpres": a typo, corrected). catalogue_bench's other searches: 1,000 to
# 3,600 matches in the generated data (its vocabulary is small). Narrow: fewer matches than SEARCH_RANKED_MAX.
BROAD = ["logo", "video", "design", "wordpres"]
WORDS = ["wordpress website", "python script", "telegram bot", "landing page tilda", "seo audit", "logo desgn"]
NARROW = ["logo mascot startup", "seo audit startup", "translate german quick*"]


def load_text():
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="timings per search and strategy (median)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("PostgreSQL only: export DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly_bench")

    import django

    django.setup()
    from django.contrib.postgres.search import SearchRank
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from marketplace import rules, search_backends, selectors
    from marketplace.models import Kwork

    class FullRanking(search_backends.PostgresBackend):
        """The search before the bound: every match counted, then ranked by ts_rank for each page."""

        def search(self, queryset, query, order=None):
            search = self._search_query(query)
            matching = queryset.filter(search_vector=search)
            total = matching.count()
            ranked = matching.annotate(rank=SearchRank(F("search_vector"), search))
            return search_backends.Ranked(
                total, search_backends._sliced(ranked.order_by("-top_rated", "-rank", "-id"))
            )

    strategies = {"full": FullRanking(), "bounded": search_backends.PostgresBackend()}

    def first_page(backend, text):
        """kwork_search's SQL up to the first page's ids (its typo correction included)."""
        listed = selectors.listed_kworks()
        parsed = search_backends.parse(text)
        ranked = backend.search(listed, parsed)
        if not ranked.total:
            corrected = selectors._corrected(backend, parsed)
            if corrected:
                ranked = backend.search(listed, corrected)
        return ranked, ranked[0 : rules.SEARCH_PAGE_SIZE]

    def explain_ms(backend, text):
        with CaptureQueriesContext(connection) as ctx:
            first_page(backend, text)
        total = 0.0
        for captured in ctx.captured_queries:
            if not captured["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # BEGIN / SET LOCAL of the typo correction's own transaction
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE) " + captured["sql"])
                plan = [row[0] for row in cursor.fetchall()]
            total += float([row for row in plan if "Execution Time" in row][-1].split(":")[1].split()[0])
        return total

    print(
        f"Kworks: {Kwork.objects.count():,}; SEARCH_RANKED_MAX = {rules.SEARCH_RANKED_MAX}; repeat {args.repeat}"
    )
    print(f"load average at start: {load_text()}")
    header = (
        f"{'search':<19} {'matches':>7} {'ranked':>6} | wall ms: {'full':>6} {'bounded':>7} {'ratio':>5} "
        f"| EXPLAIN ms: {'full':>6} {'bounded':>7} {'ratio':>5}"
    )
    print(header)
    print("-" * len(header))
    for group, texts in (("one word", BROAD), ("words", WORDS), ("narrow", NARROW)):
        for text in texts:
            for backend in strategies.values():  # warm both: plans and pages cached alike
                first_page(backend, text)
            wall = {name: [] for name in strategies}
            server = {name: [] for name in strategies}
            for _ in range(args.repeat):  # interleaved, so both see the same load
                for name, backend in strategies.items():
                    started = time.perf_counter()
                    first_page(backend, text)
                    wall[name].append((time.perf_counter() - started) * 1000)
                    server[name].append(explain_ms(backend, text))
            full_ranked, full_ids = first_page(strategies["full"], text)
            bounded, bounded_ids = first_page(strategies["bounded"], text)
            shown = f">{rules.SEARCH_RANKED_MAX}" if bounded.capped else str(bounded.total)
            same = "" if bounded.capped or full_ids == bounded_ids else "  ORDER DIFFERS"
            figures = []
            for kind in (wall, server):
                full_ms, bounded_ms = (statistics.median(kind[name]) for name in strategies)
                figures.append(f"{full_ms:>6.2f} {bounded_ms:>7.2f} {full_ms / bounded_ms:>4.1f}x")
            print(
                f"{text:<19} {full_ranked.total:>7} {shown:>6} | wall ms: {figures[0]} | EXPLAIN ms: {figures[1]}  {group}{same}"
            )
    print(f"load average at end: {load_text()}")


if __name__ == "__main__":
    main()
