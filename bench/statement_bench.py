"""Statement benchmark (payments, issue 14): the balance page's statement for a person with 40 entries and for
one with 100,000, among 1,000,000 ledger entries, beside the old query (whole ledger walked backwards by primary
key, plus COUNT) measured in the same run.

    .venv/bin/python bench/statement_bench.py                    # creates gigly_bench_money, 1,000,000 entries
    .venv/bin/python bench/statement_bench.py --entries 200000 --repeat 30

What it does, in its own PostgreSQL database (default gigly_bench_money, dropped and re-created):
1. migrate; people funded through the ledger's own funding service (so their accounts and one real top-up exist):
   "small", "big" and --fillers others.
2. synthetic history in one INSERT ... SELECT generate_series each: --entries / 2 transactions of two legs
   (+1 $ on a person's main part, -1 $ on the Stripe clearing account), so every transaction is balanced and
   each entry's balance_after is its account's running sum; the cached balances are then set to the sums, so
   `ledger_check` holds. The small person's 40 entries are the oldest of all (the old query had to walk back
   through everyone's history to find them); the big person has every fifth transaction (100,000 at the
   default size); the fillers share the rest. Top-ups without a Stripe session: the rows are synthetic.
3. VACUUM ANALYZE, then for each person: the first page and a page 40 pages deep, through the selector (median
   of --repeat runs, in-process, no HTTP), the whole /balance/ page through Django's test client, and the old
   query (LIMIT 25 + COUNT) as the same-run baseline; EXPLAIN (ANALYZE, BUFFERS) of both queries.
4. the big person's CSV file built by the export task's function (rows per second).
Prints the figures, the ratios, the load average before and after, and the command.
"""

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--db", default="gigly_bench_money")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--entries", type=int, default=1_000_000, help="ledger entries in all (two per transaction)")
parser.add_argument("--big-every", type=int, default=5, help="the big person has every n-th transaction")
parser.add_argument("--small", type=int, default=40, help="entries of the small person")
parser.add_argument("--fillers", type=int, default=1000)
parser.add_argument("--repeat", type=int, default=50)
parser.add_argument("--keep", action="store_true", help="reuse the database if it is already filled")
args = parser.parse_args()

url = f"postgres://postgres@{args.host}:5432/{args.db}"
if not args.keep:
    subprocess.run(["dropdb", "-h", args.host, "-U", "postgres", "--if-exists", args.db], check=True)  # noqa: S603, S607
    subprocess.run(["createdb", "-h", args.host, "-U", "postgres", args.db], check=True)  # noqa: S603, S607
os.environ["DATABASE_URL"] = url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]
logging.getLogger("gigly.request").setLevel(logging.WARNING)  # one line per request would drown the figures
settings.PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="gigly-bench-money-"))  # the CSV file, thrown away

from accounts.models import User  # noqa: E402
from payments import exports, selectors, services  # noqa: E402
from payments.invariants import ledger_problems  # noqa: E402
from payments.models import LedgerAccount, LedgerEntry  # noqa: E402

load_before = os.getloadavg()
call_command("migrate", verbosity=0)


def person(name):
    user, _ = User.objects.get_or_create(username=name, defaults={"email": f"{name}@bench.test"})
    return user


small, big = person("small"), person("big")
fillers = [person(f"filler{i}") for i in range(args.fillers)]
filled = LedgerEntry.objects.count() >= args.entries
if not filled:
    started = time.perf_counter()
    for user in [small, big, *fillers]:
        services.balance_fund(user=user, amount_cents=100)  # the accounts, through the real service
    main_of = dict(LedgerAccount.objects.filter(kind="user_main").values_list("owner_id", "id"))
    clearing = LedgerAccount.objects.filter(owner=None, kind="stripe_clearing").order_by("id").first().pk
    small_acc, big_acc = main_of[small.pk], main_of[big.pk]
    filler_accs = [main_of[u.pk] for u in fillers]
    transactions = (args.entries - LedgerEntry.objects.count()) // 2
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            """
            CREATE TEMP TABLE bench_plan AS
            SELECT g, CASE WHEN g <= %(small)s THEN %(small_acc)s
                           WHEN g %% %(every)s = 0 THEN %(big_acc)s
                           ELSE (%(fillers)s::bigint[])[1 + (g %% %(n_fillers)s)] END AS account_id
            FROM generate_series(1, %(n)s) g
            """,
            {
                "small": args.small,
                "small_acc": small_acc,
                "every": args.big_every,
                "big_acc": big_acc,
                "fillers": filler_accs,
                "n_fillers": len(filler_accs),
                "n": transactions,
            },
        )
        cursor.execute(
            """
            INSERT INTO payments_ledgertransaction (kind, reference, idempotency_key, memo, created_at)
            SELECT 'topup', '', 'bench-' || g, 'Card', now() - interval '1 second' * (%(n)s - g)
            FROM generate_series(1, %(n)s) g ORDER BY g
            """,
            {"n": transactions},
        )
        # Both legs of each transaction, in transaction order: the person's +100 and the clearing's -100, each
        # entry's balance_after the running sum of its account (on top of the real top-up of step 1).
        cursor.execute(
            """
            INSERT INTO payments_ledgerentry (transaction_id, account_id, amount_cents, balance_after_cents)
            SELECT transaction_id, account_id, amount_cents, balance_after_cents FROM (
                SELECT t.id AS transaction_id, p.account_id, 100 AS amount_cents,
                       a.balance_cents + 100 * row_number() OVER (PARTITION BY p.account_id ORDER BY p.g)
                           AS balance_after_cents, p.g, 0 AS leg
                FROM bench_plan p
                JOIN payments_ledgertransaction t ON t.idempotency_key = 'bench-' || p.g
                JOIN payments_ledgeraccount a ON a.id = p.account_id
                UNION ALL
                SELECT t.id, %(clearing)s, -100, c.balance_cents - 100 * p.g, p.g, 1
                FROM bench_plan p
                JOIN payments_ledgertransaction t ON t.idempotency_key = 'bench-' || p.g
                CROSS JOIN (SELECT balance_cents FROM payments_ledgeraccount WHERE id = %(clearing)s) c
            ) legs ORDER BY g, leg
            """,
            {"clearing": clearing},
        )
        cursor.execute(
            """
            UPDATE payments_ledgeraccount a SET balance_cents = s.total
            FROM (SELECT account_id, SUM(amount_cents) AS total FROM payments_ledgerentry GROUP BY account_id) s
            WHERE a.id = s.account_id AND a.balance_cents <> s.total
            """
        )
    print(f"generated {LedgerEntry.objects.count():,} entries in {time.perf_counter() - started:.1f} s")
    problems = ledger_problems()
    print("ledger_check:", "OK" if not problems else problems[:5])

with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE payments_ledgerentry")
    cursor.execute("VACUUM ANALYZE payments_ledgertransaction")
    cursor.execute("VACUUM ANALYZE payments_ledgeraccount")

total = LedgerEntry.objects.count()


def old_page(user):
    """The statement before issue 14 (same run baseline): the user's entries by a join on the account's owner
    and kind, newest first by primary key, a page of 25, and the paginator's COUNT."""
    entries = (
        LedgerEntry.objects.filter(
            account__owner=user, account__kind__in=[LedgerAccount.Kind.USER_MAIN, LedgerAccount.Kind.USER_BONUS]
        )
        .select_related("transaction", "account")
        .order_by("-id")
    )
    entries.count()
    return list(entries[:25])


def explain(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def interleaved_medians(fns, repeat):
    """Median ms of each function, run in turns (one of each per round), so that the machine's load, which
    others change all the time, weighs on all of them alike."""
    for fn in fns.values():
        fn()  # warm: connection, caches, plans
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(found) for name, found in times.items()}


def deep_cursor(user, pages=40):
    cursor = selectors.statement_page(user=user).older
    for _ in range(pages):  # 40 pages deep (or as deep as it goes)
        page = selectors.statement_page(user=user, cursor=cursor)
        if not page.older:
            break
        cursor = page.older
    return cursor


clients = {}
for user in (small, big):
    clients[user.username] = Client()
    clients[user.username].force_login(user)
account_pk = LedgerAccount.objects.order_by("pk").values_list("pk", flat=True).first()
deep = {user.username: deep_cursor(user) for user in (small, big)}
fns = {
    # The floor: the cheapest ORM query (one row by primary key), measured in the same rounds.
    "floor": lambda: LedgerAccount.objects.filter(pk=account_pk).values_list("balance_cents", flat=True).first(),
}
for user in (small, big):
    name = user.username
    fns[f"{name} first page"] = lambda u=user: selectors.statement_page(user=u)
    fns[f"{name} page 41"] = lambda u=user, c=deep[name]: selectors.statement_page(user=u, cursor=c)
    fns[f"{name} /balance/"] = lambda c=clients[name]: c.get("/balance/")
medians = interleaved_medians(fns, args.repeat)
old_medians = interleaved_medians({user.username: (lambda u=user: old_page(u)) for user in (small, big)}, 5)
floor_ms = medians["floor"]
results = [
    {
        "who": user.username,
        "entries": LedgerEntry.objects.filter(account__owner=user).count(),
        "first page": medians[f"{user.username} first page"],
        "page 41": medians[f"{user.username} page 41"],
        "/balance/": medians[f"{user.username} /balance/"],
        "old query": old_medians[user.username],
    }
    for user in (small, big)
]

accounts = selectors.statement_accounts(big)
new_plan_big = explain(selectors._entries_of_queryset(accounts["user_main"], limit=51))
small_accounts = selectors.statement_accounts(small)
new_plan_small = explain(selectors._entries_of_queryset(small_accounts["user_main"], limit=51))
old_qs = (
    LedgerEntry.objects.filter(account__owner=small, account__kind__in=["user_main", "user_bonus"])
    .select_related("transaction", "account")
    .order_by("-id")[:25]
)
old_plan_small = explain(old_qs)

started = time.perf_counter()
token = "0" * 31 + "1"
lines = exports.build(user_id=big.pk, token=token)
csv_seconds = time.perf_counter() - started
if lines is None:  # --keep: a file from an earlier run
    exports.storage.delete(f"statements/{big.pk}/{token}.csv")
    started = time.perf_counter()
    lines = exports.build(user_id=big.pk, token=token)
    csv_seconds = time.perf_counter() - started
load_after = os.getloadavg()

print()
print(f"ledger entries in all: {total:,}; medians of {args.repeat} interleaved rounds (old query: of 5),")
print(f"in-process (no HTTP server), PostgreSQL {connection.pg_version // 10000}")
print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
print(f"floor (one ORM query, one row by primary key, same rounds): {floor_ms:.2f} ms")
print()
print(
    "| person | own entries | first page ms | ÷ floor | page 41 ms | /balance/ ms | old query ms | old ÷ new (first page) |"
)
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for r in results:
    print(
        f"| {r['who']} | {r['entries']:,} | {r['first page']:.2f} | {r['first page'] / floor_ms:.1f} | "
        f"{r['page 41']:.2f} | {r['/balance/']:.1f} | {r['old query']:.1f} | {r['old query'] / r['first page']:.0f} × |"
    )
s, b = results
print()
print(
    f"big ÷ small, first page: {b['first page'] / s['first page']:.2f}; /balance/: {b['/balance/'] / s['/balance/']:.2f}"
)
print(f"CSV file of the big person: {lines:,} lines in {csv_seconds:.1f} s ({lines / csv_seconds:,.0f} lines/s)")
print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
print()
print("EXPLAIN new, big person (one part):")
print(new_plan_big)
print()
print("EXPLAIN new, small person (one part):")
print(new_plan_small)
print()
print("EXPLAIN old, small person:")
print(old_plan_small)
print()
print("command:", " ".join([".venv/bin/python", *sys.argv]))
