"""Benchmark the catalogue and search pages through gunicorn on PostgreSQL (DESIGN targets: p95 < 100 ms at 8
concurrent clients; the search query itself < 10 ms; the same number of queries per page for any data size).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly_bench .venv/bin/python bench/catalogue_bench.py

It starts gunicorn on 127.0.0.1 (loopback only) with DEBUG off, warms up, then 8 client threads (http.client,
keep-alive) request a fixed mix of category pages (filters, sorts, pages) and searches (including typos) for a
bounded number of requests each (--requests) and at most --max-seconds. It prints p50/p95/p99 of the response
time per page kind, the queries each page makes (counted in-process with the test client), and the search
query's own execution time from EXPLAIN ANALYZE. Generate the data first with bench/generate_kworks.py."""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "0")

SEARCHES = [
    "logo",
    "wordpress website",
    "translate german",
    "seo audit",
    "python script",
    "video",
    "wordpres",
    "logo desgn",
    "telegram bot",
    "presentation",
    "landing page tilda",
    "voice-over",
]


def build_urls(rng, categories, attribute_filters):
    urls = []
    for _ in range(150):
        slug = rng.choice(categories)
        params = {}
        if rng.random() < 0.5:
            params["sort"] = rng.choice(["relevance", "rating", "price", "-price", "new"])
        if rng.random() < 0.3:
            params["price_max"] = rng.choice([20, 50, 100])
        if rng.random() < 0.2:
            params["lead"] = rng.choice([3, 7])
        if rng.random() < 0.2:
            params["rating"] = 4.5
        if rng.random() < 0.1:
            params["seen"] = 7
        if slug in attribute_filters and rng.random() < 0.5:
            attr, choice = rng.choice(attribute_filters[slug])
            params[attr] = choice
        if rng.random() < 0.2:
            params["page"] = rng.randint(2, 5)
        urls.append(("category", f"/category/{slug}/" + (f"?{urlencode(params)}" if params else "")))
    for _ in range(100):
        params = {"q": rng.choice(SEARCHES)}
        if rng.random() < 0.2:
            params["sort"] = rng.choice(["price", "rating"])
        urls.append(("search", "/search/?" + urlencode(params)))
    return urls


def percentile(values, pct):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_load(port, urls, clients, requests_per_client, max_seconds):
    results = {"category": [], "search": []}
    errors = []
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def worker(seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local = {"category": [], "search": []}
        for _ in range(requests_per_client):
            if time.monotonic() > deadline:
                break
            kind, url = rng.choice(urls)
            started = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{url}: {error}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                errors.append(f"{url}: HTTP {status}")
            local[kind].append(elapsed)
        conn.close()
        with lock:
            for kind, values in local.items():
                results[kind].extend(values)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors, time.monotonic() - started


def wait_for(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/categories/", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port}")


def django_figures(urls):
    """Queries per page (in-process test client) and the search query's own time (EXPLAIN ANALYZE)."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from marketplace import caching, selectors

    client = Client()
    queries = {}
    for kind, url in urls:
        caching._bump()  # a fresh catalogue version: the grid is rendered (a cache miss)
        for state in ("rendered", "cached"):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, url
            queries.setdefault(f"{kind} {state}", set()).add(len(ctx.captured_queries))
    search_ms = []
    for term in SEARCHES:
        with CaptureQueriesContext(connection) as ctx:
            selectors.kwork_search(query=term)
        total = 0.0
        for captured in ctx.captured_queries:  # count, ranked ids of the page, the page's cards, gallery
            if not captured["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # BEGIN / SET LOCAL of the typo correction's own transaction
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE) " + captured["sql"])
                plan = [row[0] for row in cursor.fetchall()]
            total += float([row for row in plan if "Execution Time" in row][-1].split(":")[1].split()[0])
        search_ms.append((term, total))
    return queries, search_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=150, help="per client")
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2 per core)")
    parser.add_argument(
        "--no-grid-cache", action="store_true", help="render every grid (no per-URL cache for anonymous visitors)"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the PostgreSQL bench database (see bench/README.md).")

    import django

    django.setup()
    from marketplace.models import Attribute, Category, Kwork

    kworks = Kwork.objects.count()
    categories = list(Category.objects.values_list("slug", flat=True))
    attribute_filters = {}
    for attribute in Attribute.objects.select_related("category").prefetch_related("choices"):
        for choice in attribute.choices.all():
            attribute_filters.setdefault(attribute.category.slug, []).append((attribute.slug, choice.slug))
    rng = random.Random(7)
    urls = build_urls(rng, categories, attribute_filters)

    env = dict(os.environ)
    if args.no_grid_cache:
        env["MARKETPLACE_GRID_CACHE_SECONDS"] = "0"
        os.environ["MARKETPLACE_GRID_CACHE_SECONDS"] = "0"
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(args.port)
        run_load(args.port, urls, args.clients, 20, 30)  # warm-up: connections, caches
        results, errors, wall = run_load(args.port, urls, args.clients, args.requests, args.max_seconds)
    finally:
        server.terminate()
        server.wait(timeout=20)

    total = sum(len(v) for v in results.values())
    print(f"Kworks in the database: {kworks:,}; gunicorn workers: {args.workers}; clients: {args.clients}")
    print(f"{total} requests in {wall:.1f} s = {total / wall:.0f} req/s; errors: {len(errors)}")
    queries, search_ms = django_figures(urls)
    print(f"{'page':<10}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, values in results.items():
        if values:
            print(
                f"{kind:<10}{len(values):>6}{statistics.median(values):>9.1f}{percentile(values, 95):>9.1f}"
                f"{percentile(values, 99):>9.1f}{max(values):>9.1f}"
            )
    print("queries per page (anonymous; 'cached' = the grid came from the per-URL cache):")
    for name, counts in sorted(queries.items()):
        print(f"  {name:<20}{sorted(counts)}")
    print("search SQL, first page (sum of EXPLAIN ANALYZE execution times of its queries):")
    for term, ms in search_ms:
        print(f"  {term:<22}{ms:>7.2f} ms")
    print(
        f"  max {max(ms for _, ms in search_ms):.2f} ms, median {statistics.median(ms for _, ms in search_ms):.2f} ms"
    )
    for error in errors[:5]:
        print("error:", error)
    print(
        "command: DATABASE_URL="
        + os.environ["DATABASE_URL"]
        + " .venv/bin/python bench/catalogue_bench.py "
        + " ".join(sys.argv[1:])
    )


if __name__ == "__main__":
    main()
