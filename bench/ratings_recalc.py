"""Ratings nightly recomputation benchmark (DESIGN "Targets": 20,000 sellers over 1,000,000 orders in under
60 s, in batches).

    .venv/bin/python bench/ratings_recalc.py                 # drops and fills gigly_bench_ratings, then measures
    .venv/bin/python bench/ratings_recalc.py --reuse         # same rows, measures again

What it does, in a separate PostgreSQL database (default gigly_bench_ratings, dropped and re-created unless
--reuse):
1. migrate; --sellers (20,000) sellers with one Kwork each and --buyers (20,000) buyers (bulk_create).
2. --orders (1,000,000) orders with one INSERT … SELECT generate_series, every column from the model (so new
   columns get their defaults): 80 % completed on time, 5 % completed late (was_overdue), 5 % cancelled against
   the seller, 4 % cancelled with no rating effect, 1 % auto-cancelled (O3), 3 % in progress, 2 % new; placed over
   the last 700 days; buyers spread so that some buy from the same seller again (repeat orders).
3. feedback on 60 % of the completed orders (one in 20 negative), then VACUUM ANALYZE.
4. times `ratings.services.ratings_recompute_nightly` from a fresh cursor (every user, in batches of
   --batch-size: load facts, compute, upsert SellerStats/BuyerStats, copy changed figures onto Kworks), then a
   second pass with nothing new (drift check: no Kwork written), and prints both with the load average.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--db", default="gigly_bench_ratings")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--sellers", type=int, default=20_000)
parser.add_argument("--buyers", type=int, default=20_000)
parser.add_argument("--orders", type=int, default=1_000_000)
parser.add_argument("--batch-size", type=int, default=None)
parser.add_argument("--reuse", action="store_true", help="keep the database and its rows")
args = parser.parse_args()

os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"  # eager Celery, locmem e-mail, no DEBUG

if not args.reuse:
    for tool in (["dropdb", "--if-exists"], ["createdb"]):
        subprocess.run([*tool, "-h", args.host, "-U", "postgres", args.db], check=True)  # noqa: S603

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from marketplace.models import Category, Kwork  # noqa: E402
from orders.models import Order  # noqa: E402
from ratings import rules, services  # noqa: E402
from ratings.models import BuyerStats, Feedback, RecomputeCursor, SellerStats  # noqa: E402

COMMAND = "  ".join(["$", ".venv/bin/python", *sys.argv])
PRICE = 1000


def say(*parts):
    print(*parts, flush=True)


def load():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def make_people():
    started = time.perf_counter()
    now = timezone.now()
    for role, count in (("seller", args.sellers), ("buyer", args.buyers)):
        User.objects.bulk_create(
            (
                User(
                    username=f"rb-{role}-{i}",
                    email=f"rb-{role}-{i}@example.com",
                    display_name=f"Bench {role} {i}",
                    email_notifications=False,
                    adult_confirmed_at=now,
                    terms_accepted_at=now,
                    date_joined=now - timezone.timedelta(days=800),
                )
                for i in range(count)
            ),
            batch_size=2000,
        )
    category = Category.objects.create(name="Bench", slug="bench")
    sub = Category.objects.create(name="Bench sub", slug="bench-sub", parent=category)
    sellers = User.objects.filter(username__startswith="rb-seller-").order_by("pk").values_list("pk", flat=True)
    Kwork.objects.bulk_create(
        (
            Kwork(
                seller_id=pk,
                category=sub,
                title=f"I will do ratings bench work {pk}",
                description="Benchmark Kwork " * 5,
                volume="1 unit",
                price_cents=PRICE,
                lead_time_days=3,
                status=Kwork.Status.ACTIVE,
                approved_at=now,
            )
            for pk in sellers.iterator()
        ),
        batch_size=2000,
    )
    say(
        f"{args.sellers:,} sellers with a Kwork each and {args.buyers:,} buyers in {time.perf_counter() - started:.1f} s"
    )


# The kind of an order mixes g and g / sellers, so that every seller (g mod sellers) gets every kind of order.
# Every column of orders_order: these expressions, or the field's default (a parameter) for any other column.
EXPRESSIONS = {
    "buyer_id": "b.id",
    "seller_id": "k.seller_id",
    "kwork_id": "k.id",
    "title": "k.title",
    "quantity": "1",
    "unit_price_cents": str(PRICE),
    "total_cents": str(PRICE),
    "lead_time_days": "3",
    "status": "s.status",
    "accept_by": "t.placed + interval '24 hours'",
    "due_at": "CASE WHEN s.status IN ('in_progress', 'completed') THEN t.placed + interval '4 days' END",
    "last_activity_at": "t.placed + interval '4 days'",
    "placed_at": "t.placed",
    "started_at": "CASE WHEN s.status IN ('in_progress', 'completed') OR s.kind = 'against' "
    "THEN t.placed + interval '1 hour' + (g %% 40) * interval '1 hour' END",
    "delivered_at": "CASE WHEN s.status = 'completed' THEN t.placed + interval '2 days' END",
    "completed_at": "CASE WHEN s.status = 'completed' THEN t.placed + interval '3 days' + (g %% 50) * interval '1 hour' END",
    "cancelled_at": "CASE WHEN s.status = 'cancelled' THEN t.placed + interval '1 day' END",
    "was_overdue": "s.kind = 'late'",
    "counts_against_seller": "s.kind IN ('against', 'auto')",
    "auto_cancelled": "s.kind = 'auto'",
    "cancel_reason": "CASE s.kind WHEN 'against' THEN 'seller_busy' WHEN 'neutral' THEN 'buyer_other' "
    "WHEN 'auto' THEN 'auto_not_accepted' ELSE '' END",
    "cancelled_by": "CASE s.kind WHEN 'against' THEN 'seller' WHEN 'neutral' THEN 'buyer' "
    "WHEN 'auto' THEN 'system' ELSE '' END",
}

FROM_SQL = """
FROM generate_series(1, %(n)s) AS g
CROSS JOIN LATERAL (SELECT (7 * g + 13 * (g / {sellers})) %% 100 AS h) AS mix
CROSS JOIN LATERAL (SELECT CASE
        WHEN mix.h < 80 THEN 'ok'
        WHEN mix.h < 85 THEN 'late'
        WHEN mix.h < 90 THEN 'against'
        WHEN mix.h < 94 THEN 'neutral'
        WHEN mix.h < 95 THEN 'auto'
        WHEN mix.h < 98 THEN 'active'
        ELSE 'new' END AS kind) AS s0
CROSS JOIN LATERAL (SELECT s0.kind, CASE
        WHEN s0.kind IN ('ok', 'late') THEN 'completed'
        WHEN s0.kind IN ('against', 'neutral', 'auto') THEN 'cancelled'
        WHEN s0.kind = 'active' THEN 'in_progress'
        ELSE 'new' END AS status) AS s
CROSS JOIN LATERAL (SELECT now() - (g %% 700) * interval '1 day' - (g %% 1440) * interval '1 minute' AS placed) AS t
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM accounts_user
      WHERE username LIKE 'rb-buyer-%%') AS b ON b.i = (g / 7) %% {buyers}
JOIN (SELECT id, seller_id, title, row_number() OVER (ORDER BY id) - 1 AS i FROM marketplace_kwork
      WHERE title LIKE 'I will do ratings bench work%%') AS k ON k.i = g %% {sellers}
"""


def make_orders():
    started = time.perf_counter()
    columns, selects, params = [], [], {"n": args.orders}
    for field in Order._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in EXPRESSIONS:
            selects.append(EXPRESSIONS[field.column])
        else:
            name = f"d_{field.column}"
            params[name] = field.get_db_prep_save(field.get_default(), connection)
            selects.append(f"%({name})s")
    sql = f"INSERT INTO orders_order ({', '.join(columns)}) SELECT {', '.join(selects)} " + FROM_SQL.format(
        buyers=args.buyers, sellers=args.sellers
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        say(
            f"{cursor.rowcount:,} orders with one INSERT … SELECT generate_series in {time.perf_counter() - started:.1f} s"
        )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ratings_feedback (order_id, kwork_id, seller_id, buyer_id, is_positive, text, created_at, "
            "removal_reason) SELECT id, kwork_id, seller_id, buyer_id, id % 20 <> 0, 'Bench feedback, thank you.', "
            "completed_at + interval '1 day', '' FROM orders_order WHERE status = 'completed' AND id % 10 < 6"
        )
        say(f"{cursor.rowcount:,} feedback rows in {time.perf_counter() - started:.1f} s")
        cursor.execute("VACUUM ANALYZE")


def nightly(label):
    RecomputeCursor.objects.update_or_create(name="nightly", defaults={"position": 0, "finished_at": None})
    batch = args.batch_size or rules.NIGHTLY_BATCH_SIZE
    before = load()
    started = time.perf_counter()
    batches = services.ratings_recompute_nightly(batch_size=batch)
    elapsed = time.perf_counter() - started
    say(f"{label}: {batches} batches of {batch} users in {elapsed:.1f} s ({before} before, {load()} after)")
    return elapsed


def main():
    say(COMMAND)
    call_command("migrate", verbosity=0)
    if not args.reuse or not User.objects.filter(username__startswith="rb-").exists():
        make_people()
        make_orders()
    users = User.objects.count()
    orders = Order.objects.count()
    say(f"users {users:,}, orders {orders:,}, feedback {Feedback.objects.count():,}")
    first = nightly("nightly pass (figures and Kworks written)")
    kworks_version = Kwork.objects.filter(orders_count__gt=0).count()
    second = nightly("second pass, nothing new (Kworks unchanged: none written)")
    top = Kwork.objects.filter(top_rated=True).count()
    levels = dict(
        SellerStats.objects.values_list("level").annotate(n=django.db.models.Count("pk")).values_list("level", "n")
    )
    say(
        f"SellerStats {SellerStats.objects.count():,} (levels {levels}), BuyerStats {BuyerStats.objects.count():,}, "
        f"Kworks with orders {kworks_version:,}, Top Rated {top:,}"
    )
    ok = first < 60
    say(
        f"\nRESULT  sellers={args.sellers:,}  orders={orders:,}  nightly={first:.1f}s  again={second:.1f}s  "
        f"target<60s: {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
