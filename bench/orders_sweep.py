"""Timer sweep benchmark (DESIGN "Targets": 10,000 due orders processed in under 10 s with ledger writes;
EXPLAIN at 1,000,000 orders shows index scans only; two sweeps at once never act twice).

    .venv/bin/python bench/orders_sweep.py                       # creates and fills gigly_bench_orders
    .venv/bin/python bench/orders_sweep.py --reuse               # keep the 1,000,000 rows, new due orders only

What it does, in a separate PostgreSQL database (default gigly_bench_orders, dropped and re-created unless
--reuse):
1. migrate; sellers, buyers and Kworks with the ORM; the buyers funded through the ledger (test-mode top-ups).
2. --due orders (10,000) placed through `orders.services.order_place` — real escrow holds in the ledger — then
   their acceptance deadline moved into the past (O3: they are due for the auto-cancel sweep).
3. filler rows with INSERT … SELECT generate_series up to --total orders (1,000,000): completed, cancelled,
   and active orders whose deadlines are in the future, so every sweep's partial index has realistic company.
4. ANALYZE, then EXPLAIN (ANALYZE) of each sweep's candidate query and of the per-order lock query: every plan
   must use index scans only (no Seq Scan) — checked, not just printed.
5. times `orders_autocancel_unaccepted` over the 10,000 due orders (batches of 200 per short transaction: one
   lock query with SKIP LOCKED, bulk order update, bulk OrderEvents, one `escrow_refund_many` ledger posting
   round, lapsed requests, two in-site notifications per order).
6. places --due2 (2,000) more orders, makes them due, and runs two sweeps at once (threads, own connections): the
   counts must add up to the due orders and every order is refunded exactly once.
7. checks the ledger invariants (payments.invariants.ledger_problems).

E-mail: bench users have e-mail notifications switched off, so no e-mail task is queued; the in-site
notifications are written (in production the e-mail goes to the worker via on_commit anyway).
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--db", default="gigly_bench_orders")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--total", type=int, default=1_000_000)
parser.add_argument("--due", type=int, default=10_000)
parser.add_argument("--due2", type=int, default=2_000, help="due orders for the two-sweeps-at-once check")
parser.add_argument("--buyers", type=int, default=500)
parser.add_argument("--sellers", type=int, default=200)
parser.add_argument("--reuse", action="store_true", help="keep the database and its rows")
parser.add_argument("--explain-only", action="store_true", help="with --reuse: only print the EXPLAIN plans")
args = parser.parse_args()

os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"  # eager Celery, locmem e-mail, no DEBUG

if args.explain_only:
    args.reuse = True
if not args.reuse:
    for tool in (["dropdb", "--if-exists"], ["createdb"]):
        subprocess.run([*tool, "-h", args.host, "-U", "postgres", args.db], check=True)  # noqa: S603

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from marketplace.models import Category, Kwork  # noqa: E402
from orders import rules, services  # noqa: E402
from orders.lock_objects import orders_for_update  # noqa: E402
from orders.models import Order, OrderEvent  # noqa: E402
from payments import services as payment_services  # noqa: E402
from payments.invariants import ledger_problems  # noqa: E402
from payments.models import LedgerAccount, LedgerTransaction  # noqa: E402

PRICE = 1000
COMMAND = "  ".join(["$", ".venv/bin/python", *sys.argv])


def say(*parts):
    print(*parts, flush=True)


def setup_people():
    call_command("migrate", verbosity=0)
    if User.objects.filter(username__startswith="bench-").exists():
        return
    now = timezone.now()
    users = [
        User(
            username=f"bench-{role}-{i}",
            email=f"bench-{role}-{i}@example.com",
            display_name=f"Bench {role} {i}",
            email_notifications=False,
            adult_confirmed_at=now,
            terms_accepted_at=now,
        )
        for role, n in (("seller", args.sellers), ("buyer", args.buyers))
        for i in range(n)
    ]
    User.objects.bulk_create(users, batch_size=1000)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True)
        for u in User.objects.filter(username__startswith="bench-")
    )
    category = Category.objects.create(name="Bench", slug="bench")
    sub = Category.objects.create(name="Bench sub", slug="bench-sub", parent=category)
    Kwork.objects.bulk_create(
        Kwork(
            seller=seller,
            category=sub,
            title=f"I will do bench work number {seller.pk}",
            description="Benchmark Kwork " * 5,
            volume="1 unit",
            price_cents=PRICE,
            lead_time_days=3,
            status=Kwork.Status.ACTIVE,
            approved_at=now,
        )
        for seller in User.objects.filter(username__startswith="bench-seller-")
    )


def fund(user, cents):
    payment_services.balance_fund(user=user, amount_cents=cents)


def place_due_orders(n):
    """n orders through the real service (escrow holds in the ledger), then made due for the O3 sweep."""
    buyers = list(User.objects.filter(username__startswith="bench-buyer-").order_by("pk"))
    kworks = list(Kwork.objects.filter(title__startswith="I will do bench work").select_related("seller"))
    per_buyer = -(-n // len(buyers))
    started = time.perf_counter()
    for buyer in buyers:
        fund(buyer, per_buyer * PRICE)
    ids = []
    for i in range(n):
        order = services.order_place(buyer=buyers[i % len(buyers)], kwork=kworks[i % len(kworks)])
        ids.append(order.pk)
    past = timezone.now() - timedelta(minutes=5)
    Order.objects.filter(pk__in=ids).update(accept_by=past, placed_at=past - timedelta(hours=24))
    say(f"placed {n:,} due orders through order_place in {time.perf_counter() - started:.1f} s")
    return ids


FILLER_SQL = """
INSERT INTO orders_order (
    buyer_id, seller_id, kwork_id, title, quantity, package_tier, unit_price_cents, total_cents, lead_time_days,
    status, accept_by, due_at, review_until, last_activity_at, overdue_at, placed_at, started_at, delivered_at,
    completed_at, cancelled_at, auto_completed, requirements, requirements_sent_at, cancel_reason, cancel_comment,
    cancelled_by, counts_against_seller, auto_cancelled, was_overdue, revision_count, arbitration_opened_at
)
SELECT
    b.id, k.seller_id, k.id, k.title, 1, '', {price}, {price}, 3,
    s.status,
    t.placed + interval '24 hours',
    CASE WHEN s.status = 'in_progress' THEN now() + interval '2 days' + (g %% 1000) * interval '1 minute'
         WHEN s.status IN ('completed', 'delivered') THEN t.placed + interval '3 days' END,
    CASE WHEN s.status = 'delivered' THEN now() + interval '1 day' + (g %% 1000) * interval '1 minute' END,
    CASE WHEN s.status IN ('new', 'in_progress', 'delivered') THEN now() - interval '1 hour'
         ELSE t.placed + interval '4 days' END,
    NULL, t.placed,
    CASE WHEN s.status IN ('in_progress', 'delivered', 'completed') THEN t.placed + interval '1 hour' END,
    CASE WHEN s.status IN ('delivered', 'completed') THEN t.placed + interval '2 days' END,
    CASE WHEN s.status = 'completed' THEN t.placed + interval '4 days' END,
    CASE WHEN s.status = 'cancelled' THEN t.placed + interval '1 day' END,
    false, '', NULL,
    CASE WHEN s.status = 'cancelled' THEN 'buyer_other' ELSE '' END, '',
    CASE WHEN s.status = 'cancelled' THEN 'buyer' ELSE '' END,
    false, false, false, 0, NULL
FROM generate_series(1, %(n)s) AS g
CROSS JOIN LATERAL (SELECT CASE
        WHEN g %% 100 < 80 THEN 'completed'
        WHEN g %% 100 < 92 THEN 'cancelled'
        WHEN g %% 100 < 95 THEN 'new'
        WHEN g %% 100 < 98 THEN 'in_progress'
        ELSE 'delivered' END AS status) AS s
CROSS JOIN LATERAL (SELECT CASE WHEN s.status IN ('new', 'in_progress', 'delivered')
        THEN now() - interval '1 hour' ELSE now() - (g %% 700) * interval '1 day' END AS placed) AS t
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM accounts_user
      WHERE username LIKE 'bench-buyer-%%') AS b ON b.i = g %% {buyers}
JOIN (SELECT id, seller_id, title, row_number() OVER (ORDER BY id) - 1 AS i FROM marketplace_kwork
      WHERE title LIKE 'I will do bench work%%') AS k ON k.i = g %% {sellers}
"""


REQUESTS_SQL = """
INSERT INTO orders_cancellationrequest (order_id, requested_by_id, side, reason, comment, status, respond_by,
                                        counts_against_seller, created_at, answered_at)
SELECT id, buyer_id, 'buyer', 'buyer_other', '', 'accepted', cancelled_at + interval '2 days', false,
       cancelled_at - interval '1 hour', cancelled_at
FROM orders_order WHERE status = 'cancelled' AND cancel_reason = 'buyer_other'
"""


def fill(total):
    have = Order.objects.count()
    missing = total - have - args.due2  # room for the second batch of due orders of step 6
    if missing <= 0:
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FILLER_SQL.format(price=PRICE, buyers=args.buyers, sellers=args.sellers), {"n": missing})
    say(
        f"inserted {missing:,} filler orders with INSERT … SELECT generate_series in {time.perf_counter() - started:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute(REQUESTS_SQL)
        say(f"inserted {cursor.rowcount:,} answered cancellation requests")


def explain_all(now):
    """EXPLAIN ANALYZE each sweep's candidate query and the per-order lock; fail on a sequential scan."""
    from django.db.models import Q

    from orders.models import CancellationRequest

    S = Order.Status
    queries = {
        "O3 candidates": Order.objects.filter(status=S.NEW, accept_by__lte=now).order_by("accept_by", "pk"),
        "O5 candidates": Order.objects.filter(
            status=S.IN_PROGRESS, overdue_at__isnull=True, due_at__lte=now
        ).order_by("due_at", "pk"),
        "O6 candidates": Order.objects.filter(status=S.DELIVERED, review_until__lte=now).order_by(
            "review_until", "pk"
        ),
        "O8 candidates": Order.objects.filter(
            status=S.IN_PROGRESS, last_activity_at__lte=now - timedelta(days=14)
        ).order_by("last_activity_at", "pk"),
        "O9 candidates": CancellationRequest.objects.filter(status="pending", respond_by__lte=now).order_by(
            "respond_by", "pk"
        ),
    }
    bad = []
    for name, qs in queries.items():
        sql, params = qs.values_list("pk", flat=True)[: rules.SWEEP_BATCH_SIZE].query.sql_with_params()
        plan = _explain(sql, params)
        say(f"\n--- EXPLAIN {name}\n{plan}")
        if "Seq Scan" in plan:
            bad.append(name)
    first = Order.objects.filter(status=S.NEW, accept_by__lte=now).values_list("pk", flat=True).first()
    if first:
        with transaction.atomic():
            lock = orders_for_update(skip_locked=True).filter(Q(status=S.NEW, accept_by__lte=now), pk=first)
            sql, params = lock.query.sql_with_params()
            plan = _explain(sql, params)
        say(f"\n--- EXPLAIN per-order lock (FOR UPDATE OF orders_order SKIP LOCKED)\n{plan}")
        if "Seq Scan" in plan:
            bad.append("lock")
    return bad


def _explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def refunds():
    return LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.ESCROW_REFUND).count()


def two_sweeps_at_once():
    results = [None, None]

    def run(i):
        try:
            results[i] = services.orders_autocancel_unaccepted()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def main():
    say(COMMAND)
    if args.explain_only:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM orders_cancellationrequest)")
            if not cursor.fetchone()[0]:
                cursor.execute(REQUESTS_SQL)
            cursor.execute("VACUUM ANALYZE")
        with transaction.atomic():
            # Make 10,000 filler rows due for O3, O5 and O6 (rolled back after): plans with rows to find.
            cursor = connection.cursor()
            for column, status in (("accept_by", "new"), ("due_at", "in_progress"), ("review_until", "delivered")):
                cursor.execute(
                    f"UPDATE orders_order SET {column} = now() - interval '1 minute' WHERE id IN "  # noqa: S608
                    f"(SELECT id FROM orders_order WHERE status = %s ORDER BY id LIMIT %s)",
                    [status, args.due],
                )
            bad = explain_all(timezone.now())
            transaction.set_rollback(True)
        say(f"\nEXPLAIN over {Order.objects.count():,} orders: {bad or 'index scans only'}")
        return 1 if bad else 0
    setup_people()
    ids = place_due_orders(args.due)
    fill(args.total)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    total = Order.objects.count()
    say(f"orders in the table: {total:,}; due for O3: {len(ids):,}")
    bad = explain_all(timezone.now())

    before_refunds = refunds()
    started = time.perf_counter()
    handled = services.orders_autocancel_unaccepted()
    elapsed = time.perf_counter() - started
    done = Order.objects.filter(pk__in=ids, status=Order.Status.CANCELLED).count()
    say(f"\nO3 sweep: {handled:,} orders cancelled and refunded in {elapsed:.2f} s ({handled / elapsed:,.0f}/s)")
    assert handled == len(ids) == done, (handled, len(ids), done)
    assert refunds() - before_refunds == len(ids)
    assert services.orders_autocancel_unaccepted() == 0

    ids2 = place_due_orders(args.due2)
    before_refunds = refunds()
    counts, elapsed2 = two_sweeps_at_once()
    events = OrderEvent.objects.filter(order_id__in=ids2, kind=OrderEvent.Kind.CANCELLED).count()
    say(
        f"two sweeps at once: {counts[0]:,} + {counts[1]:,} = {sum(counts):,} of {len(ids2):,} in {elapsed2:.2f} s"
    )
    assert sum(counts) == len(ids2) == events, (counts, len(ids2), events)
    assert refunds() - before_refunds == len(ids2)

    # The filler rows come from INSERT … SELECT without escrow holds, so orders' own check would name each of
    # them; every other invariant (balances, sums, holds resolved once) is checked as in ledger_check.
    problems = [p for p in ledger_problems() if not p.endswith("its escrow is missing")]
    escrow = payment_services.system_balance(LedgerAccount.Kind.ESCROW)  # the sum of its shards
    say(f"ledger invariants: {'OK' if not problems else problems[:5]}; escrow balance {escrow}")
    say(f"EXPLAIN: {'index scans only' if not bad else 'SEQUENTIAL SCAN in ' + ', '.join(bad)}")
    say(
        f"\nRESULT  orders={total:,}  due={len(ids):,}  sweep={elapsed:.2f}s  two-sweeps={elapsed2:.2f}s "
        f"(sum {sum(counts):,}, no double)  target<10s: {'PASS' if elapsed < 10 else 'FAIL'}"
    )
    return 0 if (elapsed < 10 and not bad and not problems) else 1


if __name__ == "__main__":
    sys.exit(main())
