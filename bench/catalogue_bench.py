"""Benchmark the catalogue, search, Kwork, seller and home pages through gunicorn on PostgreSQL, side by side
with a floor (DESIGN targets: p50 within 5 × a bare template view through the same stack, and p95 < 100 ms at
8 concurrent clients; the search query itself < 10 ms; the same number of queries per page for any data size).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly_bench .venv/bin/python bench/catalogue_bench.py

It starts gunicorn on 127.0.0.1 (loopback only, `--no-control-socket`) with DEBUG off and the bench's URLconf
(bench/floor_settings.py: the site plus /bench/floor/, a bare template view through the same middleware, and
/bench/frame/, the base layout with an empty page), logs in one bench buyer per client (a session cookie; each
buyer has favourites, so the hearts differ), warms up, then 8 client threads (http.client, keep-alive) each
request a random mix of every page kind — floor, frame, category and search (anonymous and logged in), the Kwork
page, the seller's page and the home page — for a bounded number of requests (--requests) and at most
--max-seconds. It prints the load average, p50/p95/p99 per page kind (response time seen by the client) and its
p50 ÷ the floor's p50, the queries each page makes (in-process test client) and the search query's own
execution time from EXPLAIN ANALYZE. Generate the data first with bench/generate_kworks.py."""

import argparse
import os
import random
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ["LOG_LEVEL"] = "WARNING"  # this process's own test-client requests (gunicorn logs at INFO to a file)

from bench.loadrun import measure  # noqa: E402

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


BENCH_USERS = "bench_buyer_{}"
FAVOURITES_PER_USER = 300  # among the most visible Kworks, so hearts on the measured pages differ per person
# Page kinds in print order; "floor" is the reference every other one is divided by.
KINDS = [
    "floor",
    "frame",
    "frame user",
    "category anon",
    "category user",
    "search anon",
    "search user",
    "kwork anon",
    "kwork user",
    "seller page",
    "home user",
]


def category_urls(rng, categories, attribute_filters, count):
    urls = []
    for _ in range(count):
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
        urls.append(f"/category/{slug}/" + (f"?{urlencode(params)}" if params else ""))
    return urls


def search_urls(rng, count):
    urls = []
    for _ in range(count):
        params = {"q": rng.choice(SEARCHES)}
        if rng.random() < 0.2:
            params["sort"] = rng.choice(["price", "rating"])
        urls.append("/search/?" + urlencode(params))
    return urls


def build_urls(rng, categories, attribute_filters, kwork_ids, sellers):
    """{kind: [url, ...]}: the same URL lists for anonymous and logged-in clients."""
    category = category_urls(rng, categories, attribute_filters, 150)
    search = search_urls(rng, 100)
    kworks = [f"/kwork/{pk}/" for pk in kwork_ids]
    return {
        "floor": ["/bench/floor/"],
        "frame": ["/bench/frame/"],
        "frame user": ["/bench/frame/"],  # the logged-in header's own cost (its counters, the account menu)
        "category anon": category,
        "category user": category,
        "search anon": search,
        "search user": search,
        "kwork anon": kworks,
        "kwork user": kworks,
        "seller page": [f"/u/{name}/" for name in sellers],
        "home user": ["/"],
    }


def bench_sessions(clients, listed_ids):
    """One bench buyer per client, logged in through the session backend gunicorn reads (the same database);
    each with favourites among the most visible Kworks. Returns the Cookie headers."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from marketplace.models import Favourite

    user_model = get_user_model()
    cookies = []
    for i in range(clients):
        user, _ = user_model.objects.get_or_create(
            username=BENCH_USERS.format(i), defaults={"email": f"bench{i}@example.com"}
        )
        favourites = random.Random(i).sample(listed_ids, min(FAVOURITES_PER_USER, len(listed_ids)))
        Favourite.objects.bulk_create(
            [Favourite(user=user, kwork_id=pk) for pk in favourites], ignore_conflicts=True
        )
        client = Client()
        client.force_login(user)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
    return cookies


def django_figures(urls):
    """Queries per page (in-process test client, anonymous and logged in) and the search query's own time."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from marketplace import caching, selectors

    anonymous, user = Client(), Client()
    user.force_login(get_user_model().objects.get(username=BENCH_USERS.format(0)))
    queries = {}
    for kind in ("category anon", "category user", "search anon", "search user"):
        client = user if kind.endswith("user") else anonymous
        for url in urls[kind][:40]:
            caching._bump()  # a fresh catalogue version: the anonymous grid is rendered (a cache miss)
            for state in ("first", "again"):
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url, HTTP_HOST="127.0.0.1")
                assert response.status_code == 200, url
                queries.setdefault(f"{kind} {state}", set()).add(len(ctx.captured_queries))
    for kind in ("kwork user", "seller page", "home user"):
        for url in urls[kind][:10]:
            with CaptureQueriesContext(connection) as ctx:
                response = user.get(url, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, url
            queries.setdefault(kind, set()).add(len(ctx.captured_queries))
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
    parser.add_argument("--requests", type=int, default=300, help="per client, all page kinds together")
    parser.add_argument("--max-seconds", type=float, default=180)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2 per core)")
    parser.add_argument(
        "--no-grid-cache", action="store_true", help="render every grid (no per-URL cache for anonymous visitors)"
    )
    parser.add_argument(
        "--no-card-cache", action="store_true", help="render every card (no card fragment cache): the old path"
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the in-process queries and EXPLAIN")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the PostgreSQL bench database (see bench/README.md).")
    if args.no_grid_cache:
        os.environ["MARKETPLACE_GRID_CACHE_SECONDS"] = "0"
    if args.no_card_cache:
        os.environ["MARKETPLACE_CARD_CACHE"] = "0"

    import django

    django.setup()
    from marketplace.models import Attribute, Category, Kwork
    from marketplace.selectors import listed_kworks

    kworks = Kwork.objects.count()
    categories = list(Category.objects.values_list("slug", flat=True))
    attribute_filters = {}
    for attribute in Attribute.objects.select_related("category").prefetch_related("choices"):
        for choice in attribute.choices.all():
            attribute_filters.setdefault(attribute.category.slug, []).append((attribute.slug, choice.slug))
    rng = random.Random(7)
    visible = list(
        listed_kworks()
        .order_by("-top_rated", "-seller_rating", "-rating", "-id")
        .values_list("pk", flat=True)[:3000]
    )
    kwork_ids = rng.sample(visible, 100)
    sellers = list(
        Kwork.objects.filter(pk__in=kwork_ids).values_list("seller__username", flat=True).distinct()[:50]
    )
    urls = build_urls(rng, categories, attribute_filters, kwork_ids, sellers)
    cookies = bench_sessions(args.clients, visible)

    print(f"Kworks in the database: {kworks:,}; gunicorn workers: {args.workers}; clients: {args.clients}")
    _, errors = measure(
        port=args.port,
        workers=args.workers,
        log_prefix="catalogue_bench_gunicorn_",
        urls=urls,
        cookies=cookies,
        requests=args.requests,
        max_seconds=args.max_seconds,
        kinds=KINDS,
        measured=KINDS[3:],
    )
    if not args.no_figures:
        queries, search_ms = django_figures(urls)
        print("queries per page ('first' after a catalogue change, 'again' = the same URL once more):")
        for name, counts in sorted(queries.items()):
            print(f"  {name:<22}{sorted(counts)}")
        print("search SQL, first page (sum of EXPLAIN ANALYZE execution times of its queries):")
        for term, ms in search_ms:
            print(f"  {term:<22}{ms:>7.2f} ms")
        print(
            f"  max {max(ms for _, ms in search_ms):.2f} ms, "
            f"median {statistics.median(ms for _, ms in search_ms):.2f} ms"
        )
    for error in errors[:5]:
        print("error:", error)
    print(
        "command: DATABASE_URL="
        + os.environ["DATABASE_URL"]
        + " REDIS_URL="
        + os.environ.get("REDIS_URL", "")
        + " .venv/bin/python bench/catalogue_bench.py "
        + " ".join(sys.argv[1:])
    )


if __name__ == "__main__":
    main()
