"""Escrow throughput benchmark (payments): holds and releases per second on PostgreSQL, sequential and
concurrent, through the real services (escrow_hold, escrow_release: locks, ledger entries, cached balances),
beside the raw ceiling of the same PostgreSQL measured in the same run.

    .venv/bin/python bench/payments_escrow.py                  # creates gigly_bench_pay, 2,000 pairs each way
    .venv/bin/python bench/payments_escrow.py --pairs 5000 --threads 8

What it does, in its own PostgreSQL database (default gigly_bench_pay, dropped and re-created):
1. migrate; --buyers buyers (funded by test-mode top-ups through the ledger) and --sellers sellers.
2. round trips: the statements one hold and one release send (CaptureQueriesContext; BEGIN and COMMIT come on
   top of them).
3. the raw ceiling: one-row UPDATE transactions on a scratch table through the same Django connection
   (BEGIN, UPDATE, COMMIT), sequential and from --threads threads (each on its own rows).
4. sequential: --pairs times escrow_hold then escrow_release (buyers round-robin), timed per operation.
5. threads: --threads threads (own connections) do --pairs pairs in total, each thread with its own buyers;
   sellers are shared, and every operation also posts to a system account (escrow, platform).
6. processes: the same with --threads processes (one Python interpreter each, as gunicorn workers are), to
   show how much of the threads' figure is Python's global interpreter lock rather than the database.
   Steps 3–6 run --rounds times (default 3), interleaved; each kind's figure is its median run, and each round's
   concurrent ÷ sequential ratio is printed too.
7. batch refunds: --pairs more holds refunded 500 at a time by escrow_refund_many (a sweep's pattern).
8. a double-spend round: --threads threads hold from the same buyer at once until the money is gone; the
   number of successful holds must equal balance // amount exactly.
9. checks every ledger invariant (payments.invariants.ledger_problems) and prints the figures, the ratios
   (sequential ÷ ceiling, concurrent ÷ sequential), the load average and the command.
"""

import argparse
import multiprocessing
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
parser.add_argument("--ceiling", type=int, default=4000, help="raw one-row UPDATE transactions per ceiling run")
parser.add_argument("--no-processes", action="store_true", help="skip the run with worker processes")
parser.add_argument("--rounds", type=int, default=3, help="runs of each kind, interleaved; the median is shown")
parser.add_argument(
    "--shards", type=int, help="rows per system account (default rules.SYSTEM_ACCOUNT_SHARDS; 1 = one hot row)"
)
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
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

call_command("migrate", verbosity=0)

from accounts.models import User  # noqa: E402
from common.errors import DomainError  # noqa: E402
from payments import services  # noqa: E402
from payments.invariants import ledger_problems  # noqa: E402

if args.shards:
    from payments import rules

    if hasattr(rules, "SYSTEM_ACCOUNT_SHARDS"):
        rules.SYSTEM_ACCOUNT_SHARDS = args.shards

AMOUNT = 1500  # $15.00 per order
load_at_start = os.getloadavg()


def make_users(prefix, count):
    User.objects.bulk_create(
        User(username=f"{prefix}{i}", email=f"{prefix}{i}@bench.test", email_notifications=False)
        for i in range(count)
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


def fund(user, cents):
    services.balance_fund(user=user, amount_cents=cents)


print(f"Setting up {args.buyers} buyers and {args.sellers} sellers in {args.db} …", flush=True)
buyers = make_users("buyer", args.buyers)
sellers = make_users("seller", args.sellers)
per_buyer = (args.pairs * (3 * args.rounds + 1) // args.buyers + 8) * AMOUNT  # every run's holds, the batch
for b in buyers:
    fund(b, per_buyer)

counter = iter(range(10**9))
counter_lock = threading.Lock()


def next_ref():
    with counter_lock:
        return next(counter)


def pair(buyer, seller, hold_times, release_times, n=None):
    n = next_ref() if n is None else n
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


def cpu_ticks():
    """(busy, total) jiffies of the whole machine (Linux), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    return sum(fields) - fields[3] - fields[4], sum(fields)


class Watch:
    """While a run goes: the machine's busy cores (from /proc/stat) and how many of the run's database sessions
    wait on a row lock at a time (pg_stat_activity sampled every 10 ms from its own connection) — what tells
    "the orders queue on one row" from "the cores are full"."""

    def __init__(self):
        self.samples, self.stop = [], threading.Event()

    def __enter__(self):
        import psycopg2

        self.conn = psycopg2.connect(host=args.host, user="postgres", dbname=args.db)
        self.conn.autocommit = True
        self.ticks = cpu_ticks()
        self.thread = threading.Thread(target=self.sample)
        self.thread.start()
        return self

    def sample(self):
        with self.conn.cursor() as cursor:
            while not self.stop.wait(0.01):
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [args.db],
                )
                self.samples.append(cursor.fetchone()[0])

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.conn.close()
        end = cpu_ticks()
        self.cores = None
        if self.ticks and end and end[1] > self.ticks[1]:
            self.cores = (end[0] - self.ticks[0]) / (end[1] - self.ticks[1]) * (os.cpu_count() or 1)
        self.waiting = statistics.mean(self.samples) if self.samples else 0.0


# Round trips of one hold and one release (after a warm-up pair of the same people, so no account is created
# on the way).
pair(buyers[1], sellers[1], [], [])
with CaptureQueriesContext(connection) as hold_queries:
    n = next_ref()
    one_hold = services.escrow_hold(
        buyer=buyers[1], amount_cents=AMOUNT, reference=f"order:{n}", idempotency_key=f"b{n}"
    )
with CaptureQueriesContext(connection) as release_queries:
    services.escrow_release(hold=one_hold, seller=sellers[1])


# The raw ceiling: the same connection type doing the least a transaction can (BEGIN, one-row UPDATE, COMMIT).
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE bench_ceiling (id integer PRIMARY KEY, n bigint NOT NULL DEFAULT 0)")
    cursor.execute("INSERT INTO bench_ceiling (id) SELECT generate_series(0, 1023)")


def ceiling_loop(count, rows):
    with connection.cursor() as cursor:
        for i in range(count):
            with transaction.atomic():
                cursor.execute("UPDATE bench_ceiling SET n = n + 1 WHERE id = %s", [rows[i % len(rows)]])


def ceiling_sequential():
    start = time.perf_counter()
    ceiling_loop(args.ceiling, list(range(64)))
    return args.ceiling / (time.perf_counter() - start)


def ceiling_threads():
    def run(index):
        try:
            ceiling_loop(args.ceiling // args.threads, list(range(index * 64, index * 64 + 64)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.threads)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (args.ceiling // args.threads) * args.threads / (time.perf_counter() - start)


ceilings = {"sequential": [], "threads": []}
errors = []


def run_sequential():
    holds, releases = [], []
    start = time.perf_counter()
    with Watch() as watch:
        for i in range(args.pairs):
            pair(buyers[i % len(buyers)], sellers[i % len(sellers)], holds, releases)
    return args.pairs, time.perf_counter() - start, holds, releases, watch


def run_threads():
    """--threads threads, each with its own buyers."""
    holds, releases = [], []

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
    with Watch() as watch:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - start
    return (args.pairs // args.threads) * args.threads, elapsed, holds, releases, watch


def process_worker(index, base, queue):
    from django.db import connections

    connections.close_all()
    mine = buyers[index :: args.threads]
    h, r = [], []
    try:
        for i in range(args.pairs // args.threads):
            pair(mine[i % len(mine)], sellers[(index + i) % len(sellers)], h, r, n=base + i)
        queue.put((h, r, None))
    except Exception as exc:  # reported below
        queue.put((h, r, repr(exc)))
    finally:
        connections.close_all()


def run_processes():
    """The same work from forked interpreters, each on its own connection (as gunicorn workers are)."""
    connection.close()  # no connection crosses a fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    per = args.pairs // args.threads
    base = next_ref() + 1_000_000 * (1 + len(runs[f"{args.threads} processes"]))
    processes = [
        context.Process(target=process_worker, args=(i, base + i * (per + 1), queue)) for i in range(args.threads)
    ]
    start = time.perf_counter()
    with Watch() as watch:
        for p in processes:
            p.start()
        outcomes = [queue.get() for _ in processes]
    elapsed = time.perf_counter() - start
    for p in processes:
        p.join()
    holds = [t for h, _, _ in outcomes for t in h]
    releases = [t for _, r, _ in outcomes for t in r]
    errors.extend(e for _, _, e in outcomes if e)
    return len(holds), elapsed, holds, releases, watch


# Rounds: sequential, threads and processes one after the other, --rounds times, each kind's figure the median of
# its runs, and the ratios also per round: the machine's speed drifts within a minute, so a lone sequential run
# can make the concurrent figure look 30 % better or worse than it is.
kinds = {"sequential": run_sequential, f"{args.threads} threads": run_threads}
if not args.no_processes:
    kinds[f"{args.threads} processes"] = run_processes
runs = {name: [] for name in kinds}
for _ in range(args.rounds):
    ceilings["sequential"].append(ceiling_sequential())
    ceilings["threads"].append(ceiling_threads())
    for name, run in kinds.items():
        runs[name].append(run())


def ops_of(run):
    return 2 * run[0] / run[1]


def median_run(name):
    return sorted(runs[name], key=ops_of)[len(runs[name]) // 2]


# batch refunds (what a timer sweep does): --pairs holds, refunded 500 at a time with escrow_refund_many
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

# double spend: every thread holds from one buyer until the money is gone
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
load_at_end = os.getloadavg()
ceiling_seq = statistics.median(ceilings["sequential"])
ceiling_par = statistics.median(ceilings["threads"])
seq_ops = ops_of(median_run("sequential"))
print()
print(
    f"Escrow benchmark — PostgreSQL, {os.cpu_count()} cores, {time.strftime('%a %d %b %Y %H:%M UTC', time.gmtime())}"
)
print(
    "load average (1/5/15 min) at start: {:.2f} {:.2f} {:.2f}; at end: {:.2f} {:.2f} {:.2f}".format(
        *load_at_start, *load_at_end
    )
)
control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")


def round_trips(captured):
    sql = [q["sql"] for q in captured.captured_queries]
    return (
        f"{len(sql)} round trips ({sum(not s.startswith(control) for s in sql)} statements + transaction control)"
    )


shards = getattr(sys.modules.get("payments.rules"), "SYSTEM_ACCOUNT_SHARDS", 1)
print(f"system account rows per kind: {shards}")
print(f"a hold: {round_trips(hold_queries)}; a release: {round_trips(release_queries)}")
print(
    f"raw ceiling (BEGIN; one-row UPDATE; COMMIT): sequential {ceiling_seq:.0f} transactions/s "
    f"(runs: {', '.join(f'{c:.0f}' for c in ceilings['sequential'])}), "
    f"{args.threads} threads {ceiling_par:.0f}/s (runs: {', '.join(f'{c:.0f}' for c in ceilings['threads'])})"
)
print(
    f"{args.rounds} rounds of {args.pairs} pairs per kind; each row is the kind's median run; 'each run' lists every"
    " run's ops/s in round order"
)
print(
    "| run | pairs | seconds | pairs/s | ops/s (hold+release) | each run | vs sequential | hold p50/p95 ms "
    "| release p50/p95 ms | cores busy | ops/s per busy core | sessions waiting on a lock |"
)
print(
    "|-----|------:|--------:|--------:|---------------------:|---------:|--------------:|----------------:"
    "|-------------------:|-----------:|--------------------:|---------------------------:|"
)
for name in runs:
    count, seconds, h, r, watch = median_run(name)
    ops = 2 * count / seconds
    cores = f"{watch.cores:.2f} of {os.cpu_count()}" if watch.cores is not None else "—"
    per_core = f"{ops / watch.cores:.0f}" if watch.cores else "—"
    print(
        f"| {name} | {count} | {seconds:.2f} | {count / seconds:.0f} | {ops:.0f} | "
        f"{', '.join(f'{ops_of(run):.0f}' for run in runs[name])} | {ops / seq_ops:.2f}× | "
        f"{pct(h, 0.5):.1f} / {pct(h, 0.95):.1f} | {pct(r, 0.5):.1f} / {pct(r, 0.95):.1f} | {cores} | {per_core} | "
        f"{watch.waiting:.2f} |"
    )
print()
for name in list(runs)[1:]:
    ratios = [ops_of(c) / ops_of(s) for s, c in zip(runs["sequential"], runs[name], strict=True)]
    print(f"{name} ÷ sequential of the same round: {', '.join(f'{x:.2f}×' for x in ratios)}")
print(f"sequential ops/s as a share of the sequential raw ceiling: {seq_ops / ceiling_seq:.1%}")
seq_cores = median_run("sequential")[4].cores
if seq_cores:
    # The sequential run keeps `seq_cores` busy (the client's Python and its PostgreSQL backend take turns): with
    # every core busy and nothing serialised, concurrency can reach at most cpu_count / seq_cores times it. The
    # work per operation under concurrency against the sequential run's (ops per busy core) shows what is lost to
    # waiting and switching, whatever the number of cores.
    print(
        f"at most {os.cpu_count() / seq_cores:.2f}× sequential on {os.cpu_count()} cores (the sequential run keeps "
        f"{seq_cores:.2f} busy); ops per busy core under concurrency, as a share of the sequential run's: "
        + ", ".join(
            f"{name} {ops_of(median_run(name)) / median_run(name)[4].cores / (seq_ops / seq_cores):.0%}"
            for name in list(runs)[1:]
            if median_run(name)[4].cores
        )
    )
print()
print(
    f"batch refunds: {len(batch_holds)} holds in {batch_seconds:.2f} s = {len(batch_holds) / batch_seconds:.0f} holds/s "
    "(escrow_refund_many, 500 per call)"
)
print(f"worker errors: {len(errors)} {errors[:3]}")
print(f"double spend: {len(won)} holds succeeded of 50 possible, {len(refused)} threads refused at the end")
print(f"ledger invariants: {problems or 'all hold'}")
print("command:", " ".join([".venv/bin/python bench/payments_escrow.py", *sys.argv[1:]]))
if os.environ.get("BENCH_SHOW_QUERIES"):
    for name, captured in (("hold", hold_queries), ("release", release_queries)):
        print(f"--- {name}")
        for q in captured.captured_queries:
            print("   ", q["sql"][:200])
if problems or errors or len(won) != 50:
    sys.exit(1)
