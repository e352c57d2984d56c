"""Escrow throughput benchmark (payments): holds and releases per second on PostgreSQL, sequential and with
8 threads, through the real services (escrow_hold, escrow_release: locks, ledger entries, cached balances).

    .venv/bin/python bench/payments_escrow.py                  # creates gigly_bench_pay, 2,000 pairs each way
    .venv/bin/python bench/payments_escrow.py --pairs 5000 --threads 8

What it does, in its own PostgreSQL database (default gigly_bench_pay, dropped and re-created):
1. migrate; --buyers buyers (funded by test-mode top-ups through the ledger) and --sellers sellers.
2. sequential: --pairs times escrow_hold then escrow_release (buyers round-robin), timed per operation.
3. threads: --threads threads (own connections) do --pairs pairs in total, each thread with its own buyers;
   every release also touches the shared escrow and platform accounts, the hot rows of the ledger.
4. batch refunds: --pairs more holds refunded 500 at a time by escrow_refund_many (a sweep's pattern).
5. a double-spend round: --threads threads hold from the same buyer at once until the money is gone; the
   number of successful holds must equal balance // amount exactly.
6. checks every ledger invariant (payments.invariants.ledger_problems) and prints the figures and command.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--db", default="gigly_bench_pay")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--pairs", type=int, default=2000)
parser.add_argument("--threads", type=int, default=8)
parser.add_argument("--buyers", type=int, default=64)
parser.add_argument("--sellers", type=int, default=16)
args = parser.parse_args()

url = f"postgres://postgres@{args.host}:5432/{args.db}"
subprocess.run(["dropdb", "-h", args.host, "-U", "postgres", "--if-exists", args.db], check=True)  # noqa: S603, S607
subprocess.run(["createdb", "-h", args.host, "-U", "postgres", args.db], check=True)  # noqa: S603, S607
os.environ["DATABASE_URL"] = url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

call_command("migrate", verbosity=0)

from accounts.models import User  # noqa: E402
from common.errors import DomainError  # noqa: E402
from payments import services  # noqa: E402
from payments.invariants import ledger_problems  # noqa: E402

AMOUNT = 1500  # $15.00 per order


def make_users(prefix, count):
    users = User.objects.bulk_create(
        User(username=f"{prefix}{i}", email=f"{prefix}{i}@bench.test", email_notifications=False)
        for i in range(count)
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("pk")) or users


def fund(user, cents):
    services.balance_fund(user=user, amount_cents=cents)


print(f"Setting up {args.buyers} buyers and {args.sellers} sellers in {args.db} …", flush=True)
buyers = make_users("buyer", args.buyers)
sellers = make_users("seller", args.sellers)
per_buyer = (args.pairs * 3 // args.buyers + 8) * AMOUNT
for b in buyers:
    fund(b, per_buyer)

counter = iter(range(10**9))
counter_lock = threading.Lock()


def next_ref():
    with counter_lock:
        return next(counter)


def pair(buyer, seller, hold_times, release_times):
    n = next_ref()
    t0 = time.perf_counter()
    hold = services.escrow_hold(buyer=buyer, amount_cents=AMOUNT, reference=f"order:{n}", idempotency_key=f"b{n}")
    t1 = time.perf_counter()
    services.escrow_release(hold=hold, seller=seller)
    t2 = time.perf_counter()
    hold_times.append(t1 - t0)
    release_times.append(t2 - t1)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


results = {}

# 1. sequential
holds, releases = [], []
start = time.perf_counter()
for i in range(args.pairs):
    pair(buyers[i % len(buyers)], sellers[i % len(sellers)], holds, releases)
elapsed = time.perf_counter() - start
results["sequential"] = (args.pairs, elapsed, holds, releases)

# 2. threads, each with its own buyers
holds, releases = [], []
errors = []


def worker(index):
    mine = buyers[index :: args.threads]
    try:
        for i in range(args.pairs // args.threads):
            pair(mine[i % len(mine)], sellers[(index + i) % len(sellers)], holds, releases)
    except Exception as exc:  # reported below
        errors.append(exc)
    finally:
        connection.close()


threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
start = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.perf_counter() - start
done = (args.pairs // args.threads) * args.threads
results[f"{args.threads} threads"] = (done, elapsed, holds, releases)

# 3. batch refunds (what a timer sweep does): --pairs holds, refunded 500 at a time with escrow_refund_many
batch_holds = []
for i in range(args.pairs):
    n = next_ref()
    batch_holds.append(
        services.escrow_hold(
            buyer=buyers[i % len(buyers)], amount_cents=AMOUNT, reference=f"order:{n}", idempotency_key=f"r{n}"
        )
    )
start = time.perf_counter()
for i in range(0, len(batch_holds), 500):
    services.escrow_refund_many(holds=batch_holds[i : i + 500])
batch_seconds = time.perf_counter() - start

# 4. double spend: every thread holds from one buyer until the money is gone
victim = make_users("victim", 1)[0]
fund(victim, 50 * AMOUNT)
won, refused = [], []
barrier = threading.Barrier(args.threads)


def spender(index):
    barrier.wait()
    try:
        while True:
            n = next_ref()
            try:
                services.escrow_hold(
                    buyer=victim, amount_cents=AMOUNT, reference=f"order:{n}", idempotency_key=f"v{n}"
                )
                won.append(n)
            except DomainError:
                refused.append(n)
                return
    finally:
        connection.close()


spenders = [threading.Thread(target=spender, args=(i,)) for i in range(args.threads)]
for t in spenders:
    t.start()
for t in spenders:
    t.join()

problems = ledger_problems()
print()
print(
    f"Escrow benchmark — PostgreSQL, {os.cpu_count()} cores, {time.strftime('%a %d %b %Y %H:%M UTC', time.gmtime())}"
)
print(f"load average before/after: {os.getloadavg()[0]:.1f}")
print("| run | pairs | seconds | pairs/s | ops/s (hold+release) | hold p50/p95 ms | release p50/p95 ms |")
print("|-----|------:|--------:|--------:|---------------------:|----------------:|-------------------:|")
for name, (count, seconds, h, r) in results.items():
    print(
        f"| {name} | {count} | {seconds:.2f} | {count / seconds:.0f} | {2 * count / seconds:.0f} | "
        f"{pct(h, 0.5):.1f} / {pct(h, 0.95):.1f} | {pct(r, 0.5):.1f} / {pct(r, 0.95):.1f} |"
    )
print()
print(
    f"batch refunds: {len(batch_holds)} holds in {batch_seconds:.2f} s = {len(batch_holds) / batch_seconds:.0f} holds/s "
    "(escrow_refund_many, 500 per call)"
)
print(f"thread errors: {len(errors)} {errors[:3]}")
print(f"double spend: {len(won)} holds succeeded of 50 possible, {len(refused)} threads refused at the end")
print(f"ledger invariants: {problems or 'all hold'}")
print(f"median hold {statistics.median(results['sequential'][2]) * 1000:.2f} ms sequential")
print("command:", " ".join(["DATABASE_URL=… .venv/bin/python bench/payments_escrow.py", *sys.argv[1:]]))
if problems or errors or len(won) != 50:
    sys.exit(1)
