"""Order page benchmark (issue 14: the order page and its chat in constant time; the orders lists read an index on
(party, placed, id)).

    .venv/bin/python bench/order_page_bench.py            # creates and fills gigly_bench_orderpage
    .venv/bin/python bench/order_page_bench.py --reuse    # keep the rows, measure again

In a separate PostgreSQL database (default gigly_bench_orderpage, dropped and re-created unless --reuse):
1. migrate; a buyer, a seller with a handful of orders and a seller with --many (5,000) orders, plus --others
   (100,000) orders of other sellers, all of the same table (INSERT … SELECT generate_series copying a real order
   placed through the services, with placed_at spread over two years and a realistic mix of states).
2. three orders in progress, placed and started through the services, with 10, 500 and 2,000 chat messages
   (INSERT … SELECT) and as many history events as messages / 10.
3. VACUUM (ANALYZE); EXPLAIN (ANALYZE) of the chat's latest page, the refresh's one query, the list's page for the big
   seller and its grouped tab counts: no Seq Scan on the orders tables (checked, not just printed).
4. server time through Django's test client (every middleware, no network; `config.settings.test`), the median
   and p95 of --runs requests and the response size, of: the floor (a bare template through the same stack), the
   order page at 10 / 500 / 2,000 messages, the refresh with nothing new, the refresh with one new message,
   "show earlier" at the 2,000-message order, and the seller's orders list with a handful and with 5,000 orders.
   Every figure is printed with its ratio to the floor and the load average of the run.
5. unless --no-load: the same pages under gunicorn (4 workers, bench/loadrun.py) with --clients keep-alive
   clients logged in as the buyer, each picking at random among the floor, the logged-in frame, the order page
   at 10 / 500 / 2,000 messages, the refresh with nothing new and "show earlier": server, client and CPU time
   per page with the ratio to the floor measured in the same run, and the verdict against DESIGN's targets.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--db", default="gigly_bench_orderpage")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--many", type=int, default=5_000, help="orders of the busy seller")
parser.add_argument("--others", type=int, default=100_000, help="orders of everyone else")
parser.add_argument("--runs", type=int, default=40)
parser.add_argument("--reuse", action="store_true")
parser.add_argument("--no-load", action="store_true", help="skip the gunicorn run (in-process figures only)")
parser.add_argument("--clients", type=int, default=8, help="gunicorn run: concurrent clients")
parser.add_argument("--requests", type=int, default=250, help="gunicorn run: requests per client")
parser.add_argument("--workers", type=int, default=4, help="gunicorn run: workers (2 per core)")
parser.add_argument("--port", type=int, default=8094)
args = parser.parse_args()

os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ.pop("REDIS_URL", None)  # the test settings' local cache: the figures are the page's, not Redis's
if not args.reuse:
    for tool in (["dropdb", "--if-exists"], ["createdb"]):
        subprocess.run([*tool, "-h", args.host, "-U", "postgres", args.db], check=True)  # noqa: S603

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.loadrun import measure  # noqa: E402
from marketplace.models import Category, Kwork  # noqa: E402
from orders import rules, selectors, services, ui_helpers  # noqa: E402
from orders.models import Order, OrderMessage  # noqa: E402
from payments import services as payment_services  # noqa: E402

COMMAND = "  ".join(["$", ".venv/bin/python", *sys.argv])
CHATS = (10, 500, 2_000)
PRICE = 1000

_FLOOR = engines["django"].from_string("<!doctype html><title>floor</title><p>{{ request.user.username }}</p>")


def floor(request):
    """The floor: a bare template through the same middleware, to compare every page against in the same run."""
    return HttpResponse(_FLOOR.render({}, request))


# This module is the URLconf of the run: the site's URLs plus the floor.
urlpatterns = [path("bench-floor/", floor), path("", include("config.urls"))]


def say(*parts):
    print(*parts, flush=True)


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def person(name):
    from allauth.account.models import EmailAddress

    now = timezone.now()
    user = User.objects.create(
        username=name,
        email=f"{name}@bench.test",
        display_name=name.replace("-", " ").title(),
        email_notifications=False,
        adult_confirmed_at=now,
        terms_accepted_at=now,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def kwork_of(seller, sub):
    return Kwork.objects.create(
        seller=seller,
        category=sub,
        title=f"I will do bench work for {seller.username}",
        description="Benchmark Kwork " * 5,
        volume="1 unit",
        price_cents=PRICE,
        lead_time_days=3,
        status=Kwork.Status.ACTIVE,
        approved_at=timezone.now(),
    )


# Copies of one real order (every column as the services wrote it) for a seller, placed over two years, in the
# mix of states of a real history; no escrow hold (the list does not read it) and no placement key (unique).
COPY_SQL = """
INSERT INTO orders_order ({columns})
SELECT {values}
FROM orders_order o
CROSS JOIN generate_series(1, %(n)s) AS g
CROSS JOIN LATERAL (SELECT CASE
        WHEN g %% 100 < 80 THEN 'completed' WHEN g %% 100 < 92 THEN 'cancelled' WHEN g %% 100 < 95 THEN 'new'
        WHEN g %% 100 < 98 THEN 'in_progress' ELSE 'delivered' END AS status) AS s
WHERE o.id = %(template)s
"""
OVERRIDES = {
    "seller_id": "%(seller)s + (g %% %(sellers)s)",
    "escrow_hold_id": "NULL",
    "placement_key": "''",
    "status": "s.status",
    "placed_at": "now() - (g %% 700) * interval '1 day' - g * interval '1 second'",
    "completed_at": "CASE WHEN s.status = 'completed' THEN now() - (g %% 700) * interval '1 day' END",
    "cancelled_at": "CASE WHEN s.status = 'cancelled' THEN now() - (g %% 700) * interval '1 day' END",
    "cancelled_by": "CASE WHEN s.status = 'cancelled' THEN 'buyer' ELSE '' END",
    "cancel_reason": "CASE WHEN s.status = 'cancelled' THEN 'buyer_other' ELSE '' END",
    "review_until": "CASE WHEN s.status = 'delivered' THEN now() + interval '1 day' END",
    "delivered_at": "CASE WHEN s.status IN ('delivered', 'completed') THEN o.started_at END",
}


def copy_orders(template, *, seller_id, sellers, n):
    columns = [f.column for f in Order._meta.concrete_fields if f.column != "id"]
    values = [OVERRIDES.get(column, f"o.{column}") for column in columns]
    statement = COPY_SQL.format(columns=", ".join(columns), values=", ".join(values))
    sql(statement, {"n": n, "template": template.pk, "seller": seller_id, "sellers": sellers})


def fill():
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    category = Category.objects.create(name="Bench", slug="bench")
    sub = Category.objects.create(name="Bench sub", slug="bench-sub", parent=category)
    buyer = person("bench-buyer")
    small, big = person("bench-seller-small"), person("bench-seller-busy")
    crowd = [person(f"bench-seller-{i}") for i in range(50)]
    kwork = kwork_of(small, sub)
    payment_services.balance_fund(user=buyer, amount_cents=(len(CHATS) + 2) * PRICE)
    chats = []
    for count in (*CHATS, 0, 0):  # the small seller's handful: the three chats and two more
        order = services.order_place(buyer=buyer, kwork=kwork)
        order = services.order_start(order=order, seller=small)
        if count:
            chats.append((count, order))
    template = chats[0][1]
    copy_orders(template, seller_id=big.pk, sellers=1, n=args.many)
    copy_orders(template, seller_id=crowd[0].pk, sellers=len(crowd), n=args.others)
    # Answered cancellation requests of the cancelled orders, so the open-request lookup has company.
    sql(
        """INSERT INTO orders_cancellationrequest (order_id, requested_by_id, side, reason, comment, status,
                  respond_by, counts_against_seller, created_at, answered_at)
           SELECT id, buyer_id, 'buyer', 'buyer_other', '', 'accepted', cancelled_at + interval '2 days', false,
                  cancelled_at - interval '1 hour', cancelled_at
           FROM orders_order WHERE status = 'cancelled'"""
    )
    for count, order in chats:
        sql(
            """INSERT INTO orders_ordermessage (order_id, author_id, text, created_at)
               SELECT %s, CASE WHEN g %% 2 = 0 THEN %s ELSE %s END,
                      'Chat message number ' || g || ': the draft, the colours and the next step.',
                      now() - make_interval(secs => %s - g)
               FROM generate_series(1, %s) g""",
            [order.pk, order.seller_id, order.buyer_id, count, count],
        )
        sql(
            """INSERT INTO orders_orderevent (order_id, actor_id, kind, from_status, to_status, reason, created_at)
               SELECT %s, %s, 'cancel_withdrawn', '', '', '', now() - make_interval(secs => %s - g)
               FROM generate_series(1, %s) g""",
            [order.pk, order.buyer_id, count, count // 10],
        )
    say(f"filled in {time.monotonic() - started:.1f} s")


def explain(label, queryset):
    explain_sql(label, *queryset.query.sql_with_params())


def explain_sql(label, query, params):
    plan = "\n".join(r[0] for r in sql("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) " + query, params))
    say(f"\n-- {label}\n{plan}")
    bad = [line for line in plan.splitlines() if "Seq Scan on orders_" in line]
    assert not bad, f"{label}: sequential scan\n{plan}"


def timed(client, url, status=200, **headers):
    times, size = [], 0
    for _ in range(args.runs):
        t = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == status, (url, response.status_code)
        size = len(response.content)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], size


def main():
    if not args.reuse:
        fill()
    call_command("migrate", verbosity=0)  # --reuse: indexes added since the fill
    sql("VACUUM (ANALYZE) orders_order")  # as autovacuum would: the visibility map lets counts read the index only
    sql("ANALYZE")
    buyer = User.objects.get(username="bench-buyer")
    small, big = User.objects.get(username="bench-seller-small"), User.objects.get(username="bench-seller-busy")
    chats = {}
    for order in Order.objects.filter(buyer=buyer, seller=small).order_by("pk"):
        count = OrderMessage.objects.filter(order=order).count()
        if count:
            chats[count] = order
    say(COMMAND)
    say(
        f"load average {os.getloadavg()}; {Order.objects.count():,} orders, {OrderMessage.objects.count():,} "
        f"messages; chats of {', '.join(f'{n:,}' for n in sorted(chats))} messages; the busy seller has "
        f"{Order.objects.filter(seller=big).count():,} orders, the small one "
        f"{Order.objects.filter(seller=small).count():,}"
    )

    longest = chats[max(chats)]
    last = OrderMessage.objects.filter(order=longest).order_by("-pk").values_list("pk", flat=True).first()
    explain(
        "chat, the latest page",
        OrderMessage.objects.filter(order=longest).order_by("-pk")[: rules.CHAT_PAGE_SIZE + 1],
    )
    poll = selectors.chat_poll(user=buyer, pk=longest.pk, after=last)
    assert not poll.has_new
    explain_sql(
        "the refresh's one query (status, open request, anything after the last id)",
        selectors._CHAT_POLL_SQL,
        ["pending", last, longest.pk, buyer.pk, buyer.pk],
    )
    explain(
        f"the busy seller's list, first page of all ({args.many:,} orders)",
        selectors.orders_for(user=big, role="seller", state_filter="all")[: rules.LIST_PAGE_SIZE + 1],
    )
    explain(
        f"the busy seller's list, first page of the active tab ({args.many:,} orders, 8 % open)",
        selectors.orders_for(user=big, role="seller", state_filter="active")[: rules.LIST_PAGE_SIZE + 1],
    )
    explain(
        "the busy seller's tab counts, grouped by status",
        Order.objects.filter(seller=big).order_by().values_list("status").annotate(n=Count("*")),
    )

    rows = []
    with override_settings(ROOT_URLCONF=__name__):
        client = Client()
        client.force_login(buyer)
        client.get("/bench-floor/")  # the session's first request records the visit
        floor_p50 = timed(client, "/bench-floor/")
        rows.append(("floor: a bare template through the same middleware", floor_p50))
        for count in sorted(chats):
            rows.append(
                (
                    f"order page, {count:,} messages",
                    timed(client, reverse("orders:detail", args=[chats[count].pk])),
                )
            )
        version = ui_helpers.page_version(longest, selectors.pending_cancellation(longest))
        chat = reverse("orders:messages", args=[longest.pk])
        htmx = {"HTTP_HX_REQUEST": "true"}
        rows.append(
            (
                f"chat refresh, nothing new ({max(chats):,} messages)",
                timed(client, f"{chat}?after={last}&v={version}", status=204, **htmx),
            )
        )
        rows.append(
            (
                "chat refresh, one new message",
                timed(client, f"{chat}?after={last - 1}&v={version}", **htmx),
            )
        )
        first_shown = last - rules.CHAT_PAGE_SIZE + 1
        rows.append(
            ("chat, show earlier messages (one page)", timed(client, f"{chat}?before={first_shown}", **htmx))
        )
        for seller, label in ((small, "a handful of"), (big, f"{args.many:,}")):
            client.force_login(seller)
            client.get(reverse("orders:seller_list"))
            for state in ("active", "all"):
                url = reverse("orders:seller_list") + f"?state={state}"
                rows.append((f"orders list of a seller with {label} orders, tab {state}", timed(client, url)))

    base = rows[0][1][0]
    say(f"\nload average {os.getloadavg()}, {args.runs} requests each (test client: server time, no network)")
    say("| page | p50 ms | p95 ms | bytes | p50 ÷ floor |\n|---|---:|---:|---:|---:|")
    for label, (p50, p95, size) in rows:
        say(f"| {label} | {p50:.1f} | {p95:.1f} | {size:,} | {p50 / base:.1f} |")
    if not args.no_load:
        under_load(buyer, chats, longest, last)


def under_load(buyer, chats, longest, last):
    """The order page, its refresh and "show earlier" under gunicorn beside the floor, every client logged in
    as the buyer (own session each)."""
    from django.conf import settings

    cookies = []
    for _ in range(args.clients):
        client = Client()
        client.force_login(buyer)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
    version = ui_helpers.page_version(longest, selectors.pending_cancellation(longest))
    chat = reverse("orders:messages", args=[longest.pk])
    htmx = {"HX-Request": "true"}
    urls = {
        "floor": ["/bench/floor/"],
        "frame user": ["/bench/frame/"],
        **{f"order {n:,} msgs user": [reverse("orders:detail", args=[chats[n].pk])] for n in sorted(chats)},
        "refresh, none new user": [(f"{chat}?after={last}&v={version}", 204, htmx)],
        "show earlier user": [(f"{chat}?before={last - rules.CHAT_PAGE_SIZE + 1}", 200, htmx)],
    }
    kinds = list(urls)
    say(f"\ngunicorn: {args.workers} workers, {args.clients} clients logged in as the buyer")
    _, errors = measure(
        port=args.port,
        workers=args.workers,
        log_prefix="order_page_bench_gunicorn_",
        urls=urls,
        cookies=cookies,
        requests=args.requests,
        max_seconds=180,
        kinds=kinds,
        measured=kinds[2:],
    )
    for error in errors[:5]:
        say("error:", error)
    if errors:
        sys.exit(1)


main()
