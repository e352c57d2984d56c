"""C12 search on SQLite, the embedded default of `make run`, over the demo data or N generated Kworks: the whole
`kwork_search` (count, ranked page, typo correction, the page's cards) and its FTS5 part (count and the ranked
ids of the first page), against a baseline measured in the same run: the substring match SQLite used before
FTS5 (`icontains` on title and description, counted and paged the same way).

    .venv/bin/python bench/sqlite_search.py --demo             # a fresh SQLite file with seed_demo's data
    .venv/bin/python bench/sqlite_search.py --count 10000      # a fresh SQLite file with 10,000 generated Kworks

The database is var/bench-search.sqlite3 (made anew each run, never committed). Kworks are generated with
bench/generate_kworks.py's vocabulary but inserted with bulk_create (its COPY is PostgreSQL's), then indexed
through the same service the editor calls, and the typo vocabulary is refreshed like the beat job does."""

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = ROOT / "var" / "bench-search.sqlite3"
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ.pop("REDIS_URL", None)

SEARCHES = [
    "logo design",
    "translation",
    "wordpress website",
    "transalte",
    "seo audit",
    "python script",
    "video",
    '"landing page"',
    "wordp*",
    "telegram bot",
]


def generate(count, seed):
    from django.utils import timezone

    from bench.generate_kworks import QUALIFIERS, SENTENCES, TOOLS, TOPICS, VERBS, make_sellers
    from marketplace import demo, services
    from marketplace.models import Category, Kwork

    rng = random.Random(seed)
    demo._tree(lambda *args: None)
    subs = list(Category.objects.filter(parent__isnull=False))
    sellers = make_sellers(200, rng)
    now = timezone.now()
    kworks = []
    for _ in range(count):
        sub = rng.choice(subs)
        topic = rng.choice(TOPICS.get(sub.slug, ["help with your project"]))
        title = " ".join(filter(None, [rng.choice(VERBS), topic, rng.choice(QUALIFIERS)]))[:80]
        sentences = rng.sample(SENTENCES, 5)
        description = " ".join(
            s.format(
                years=rng.randint(2, 15), count=rng.randint(20, 900), rev=rng.randint(1, 3), tool=rng.choice(TOOLS)
            )
            for s in sentences
        )
        roll = rng.random()
        kworks.append(
            Kwork(
                seller_id=rng.choice(sellers),
                category=sub,
                title=title,
                description=f"{title[7:].capitalize()}. {description}",
                volume=f"{rng.randint(1, 5)} unit(s)",
                price_cents=rng.choice([10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300]) * 100,
                lead_time_days=rng.choice([1, 2, 3, 4, 5, 7, 10, 14]),
                status="paused" if roll < 0.10 else "moderation" if roll < 0.15 else "active",
                approved_at=now,
                seller_stars=round(rng.uniform(3.5, 5.0) * 2) / 2,
                rating=round(rng.uniform(60, 100), 1),
                top_rated=rng.random() < 0.03,
            )
        )
    started = time.monotonic()
    Kwork.objects.bulk_create(kworks, batch_size=2000)
    ids = list(Kwork.objects.values_list("pk", flat=True))
    services.kwork_search_vectors_update(ids)
    words = services.search_terms_refresh()
    print(
        f"  {count} Kworks inserted and indexed, {words} vocabulary words, in {time.monotonic() - started:.1f} s"
    )


def timed(function, repeat):
    """Median and worst of `repeat` runs, in ms."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def fts_ids(query):
    """The part FTS5 does: count the matches and rank the first page of ids."""
    from marketplace import rules, search_backends, selectors

    ranked = search_backends.current().search(selectors.listed_kworks(), search_backends.parse(query))
    return ranked[: rules.SEARCH_PAGE_SIZE]


def substring_ids(query):
    """The baseline: the SQLite search before FTS5 (icontains on title and description), counted and paged."""
    from django.db.models import Q

    from marketplace import rules, selectors

    matching = selectors.listed_kworks().filter(Q(title__icontains=query) | Q(description__icontains=query))
    matching.count()
    ordered = matching.order_by("-top_rated", "-seller_rating", "-id").values_list("pk", flat=True)
    return list(ordered[: rules.SEARCH_PAGE_SIZE])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="seed_demo's data")
    source.add_argument("--count", type=int, help="generated Kworks")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each search")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    DATABASE.parent.mkdir(exist_ok=True)
    DATABASE.unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    from marketplace import selectors
    from marketplace.models import Kwork

    call_command("migrate", verbosity=0)
    if args.demo:
        call_command("seed_demo", stdout=io.StringIO())
    else:
        generate(args.count, args.seed)
    listed = selectors.listed_kworks().count()
    print(f"load average at start: {os.getloadavg()[0]:.2f}  ({Kwork.objects.count()} Kworks, {listed} listed)")
    print(f"{'search':<18} {'found':>6}  {'page ms':>7}  {'FTS5 ids ms':>11}  {'substring ids ms':>16}  ratio")
    ratios, pages, fts_medians = [], [], []
    for query in SEARCHES:
        page = selectors.kwork_search(query=query)
        whole = timed(lambda q=query: selectors.kwork_search(query=q), args.repeat)[0]
        fts = timed(lambda q=query: fts_ids(q), args.repeat)[0]
        baseline = timed(lambda q=query: substring_ids(q), args.repeat)[0]
        ratios.append(fts / baseline)
        pages.append(whole)
        fts_medians.append(fts)
        found = f"{page.paginator.count}" + ("*" if page.corrected else "")
        print(f"{query:<18} {found:>6}  {whole:>7.2f}  {fts:>11.2f}  {baseline:>16.2f}  {ratios[-1]:>5.2f}")
    print(
        f"medians: whole search {statistics.median(pages):.2f} ms, FTS5 ids {statistics.median(fts_medians):.2f} ms, "
        f"ratio to substring {statistics.median(ratios):.2f}  (* = typo corrected; "
        f"load average at end: {os.getloadavg()[0]:.2f})"
    )


if __name__ == "__main__":
    main()
