"""Inbox benchmark (DESIGN "Targets": the inbox and a thread do not grow with the data; the M2 answer sweep over
1,000,000 messages with index scans only).

    .venv/bin/python bench/messaging_bench.py            # creates and fills gigly_bench_messaging
    .venv/bin/python bench/messaging_bench.py --reuse    # keep the rows, measure again

In a separate PostgreSQL database (default gigly_bench_messaging, dropped and re-created unless --reuse):
1. migrate; --users people; one "hub" user with --hub conversations (5,000: half as buyer, half as seller), and
   conversations between the others up to --conversations in all.
2. --total messages (1,000,000) with INSERT … SELECT generate_series, spread over the conversations, plus a
   thread of --thread (2,000) messages in the hub's first conversation; last message and unread counts set.
3. M2 deadlines: 10 % of the conversations wait for an answer in the future, --due (2,000) are overdue.
4. ANALYZE, then EXPLAIN (ANALYZE) of the inbox page, the header count, the thread, the htmx refresh and the
   sweep's lock query: no Seq Scan on the messaging tables (checked, not just printed).
5. timings through Django's test client (the whole stack but the network) of the inbox, the thread and the
   refresh for the hub (p50/p95 of --runs requests), then `answer_deadline_sweep` over the due conversations.
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
parser.add_argument("--db", default="gigly_bench_messaging")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--users", type=int, default=10_000)
parser.add_argument("--hub", type=int, default=5_000)
parser.add_argument("--conversations", type=int, default=50_000)
parser.add_argument("--total", type=int, default=1_000_000)
parser.add_argument("--thread", type=int, default=2_000)
parser.add_argument("--due", type=int, default=2_000)
parser.add_argument("--runs", type=int, default=40)
parser.add_argument("--reuse", action="store_true")
args = parser.parse_args()

os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
if not args.reuse:
    for tool in (["dropdb", "--if-exists"], ["createdb"]):
        subprocess.run([*tool, "-h", args.host, "-U", "postgres", args.db], check=True)  # noqa: S603

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from messaging import rules, services  # noqa: E402
from messaging.models import Conversation, Message  # noqa: E402

COMMAND = "  ".join(["$", ".venv/bin/python", *sys.argv])


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def fill():
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    users = User.objects.bulk_create(
        [
            User(username=f"bench{i}", email=f"bench{i}@bench.test", email_notifications=False, password="!")
            for i in range(args.users)
        ],
        batch_size=2000,
    )
    ids = [u.pk for u in users]
    hub, others = ids[0], ids[1:]
    pairs = set()
    for i in range(args.hub):
        other = others[i % len(others)]
        pairs.add((hub, other) if i % 2 == 0 else (other, hub))
    n = len(others)
    k = 0
    while len(pairs) < args.conversations:
        buyer, seller = others[k % n], others[(k * 7 + 1 + k // n) % n]
        if buyer != seller:
            pairs.add((buyer, seller))
        k += 1
    now = timezone.now()
    Conversation.objects.bulk_create(
        [Conversation(buyer_id=b, seller_id=s, created_at=now) for b, s in sorted(pairs)], batch_size=5000
    )
    cmin, cmax = sql("SELECT min(id), max(id) FROM messaging_conversation")[0]
    count = cmax - cmin + 1
    sql(
        """INSERT INTO messaging_message (conversation_id, author_id, text, created_at, is_spam)
           SELECT c.id, CASE WHEN g %% 3 = 0 THEN c.seller_id ELSE c.buyer_id END,
                  'Benchmark message number ' || g, now() - make_interval(secs => %s - g), false
           FROM generate_series(1, %s) g JOIN messaging_conversation c ON c.id = %s + (g %% %s)""",
        [args.total, args.total - args.thread, cmin, count],
    )
    thread_id = Conversation.objects.filter(buyer_id=hub).order_by("id").values_list("id", flat=True).first()
    sql(
        """INSERT INTO messaging_message (conversation_id, author_id, text, created_at, is_spam)
           SELECT c.id, CASE WHEN g %% 2 = 0 THEN c.seller_id ELSE c.buyer_id END,
                  'Thread message number ' || g, now() - make_interval(secs => %s - g), false
           FROM generate_series(1, %s) g JOIN messaging_conversation c ON c.id = %s""",
        [args.thread, args.thread, thread_id],
    )
    sql(
        """UPDATE messaging_conversation c SET last_message_id = m.mid, last_message_at = m.at,
                  seller_unread = m.n % 4, buyer_unread = m.n % 3
           FROM (SELECT conversation_id, max(id) mid, max(created_at) at, count(*) n FROM messaging_message
                 GROUP BY conversation_id) m WHERE m.conversation_id = c.id"""
    )
    sql(
        """UPDATE messaging_conversation SET answer_due_at = now() + make_interval(hours => (1 + id % 23)::int),
                  awaiting_message_id = last_message_id WHERE id % 10 = 0"""
    )
    sql(
        """UPDATE messaging_conversation SET answer_due_at = now() - interval '1 hour',
                  awaiting_message_id = last_message_id
           WHERE id IN (SELECT id FROM messaging_conversation WHERE id %% 10 = 5 ORDER BY id LIMIT %s)""",
        [args.due],
    )
    print(f"filled in {time.monotonic() - started:.1f} s")


def explain(label, query, params=()):
    rows = sql("EXPLAIN (ANALYZE, BUFFERS OFF) " + query, list(params) or None)
    plan = "\n".join(r[0] for r in rows)
    print(f"\n-- {label}\n{plan}")
    bad = [line for line in plan.splitlines() if "Seq Scan on messaging_" in line]
    assert not bad, f"{label}: sequential scan\n{plan}"


def timed(client, url, **headers):
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    if not args.reuse:
        fill()
    sql("ANALYZE")
    hub = User.objects.get(username="bench0")
    thread = Conversation.objects.filter(buyer=hub).order_by("id").first()
    messages = Message.objects.count()
    conversations = Conversation.objects.count()
    mine = Conversation.objects.filter(buyer=hub).count() + Conversation.objects.filter(seller=hub).count()
    print(COMMAND)
    print(
        f"load average {os.getloadavg()}; {messages:,} messages, {conversations:,} conversations, hub has {mine:,}"
    )

    order = ("-last_message_at", "-id")
    base = Conversation.objects.filter(last_message__isnull=False)
    ids = []
    for label, side in (("buyer", {"buyer": hub}), ("seller", {"seller": hub})):
        side_qs = base.filter(**side).order_by(*order).values_list("id", flat=True)[: rules.INBOX_PAGE_SIZE]
        explain(f"inbox page, the hub's first page as {label}", *side_qs.query.sql_with_params())
        ids += list(side_qs)
    q_inbox, p_inbox = (
        Conversation.objects.filter(id__in=ids)
        .select_related("buyer", "seller", "last_message")
        .order_by(*order)[: rules.INBOX_PAGE_SIZE]
        .query.sql_with_params()
    )
    explain("inbox page: the merged page with people and last messages", q_inbox, p_inbox)
    sql_unread, params_unread = (
        Conversation.objects.filter(Q(buyer=hub, buyer_unread__gt=0) | Q(seller=hub, seller_unread__gt=0))
        .values("id")
        .query.sql_with_params()
    )
    explain("header count (rows summed)", sql_unread, params_unread)
    last = thread.messages.order_by("-id").values_list("id", flat=True).first()
    q_thread, p_thread = Message.objects.filter(conversation=thread).order_by("-id")[:51].query.sql_with_params()
    explain(f"thread, latest page ({thread.messages.count():,} messages)", q_thread, p_thread)
    q_after, p_after = (
        Message.objects.filter(conversation=thread, id__gt=last - 3).order_by("id")[:50].query.sql_with_params()
    )
    explain("htmx refresh (after the last id)", q_after, p_after)
    explain(
        "M2 sweep lock query",
        "SELECT id FROM messaging_conversation WHERE answer_due_at <= now() ORDER BY answer_due_at LIMIT 200 "
        "FOR UPDATE SKIP LOCKED",
    )

    client = Client()
    client.force_login(hub)
    inbox = timed(client, reverse("messaging:inbox"))
    thread_page = timed(client, reverse("messaging:conversation", args=[thread.pk]))
    refresh = timed(
        client, reverse("messaging:refresh", args=[thread.pk]) + f"?after={last}", HTTP_HX_REQUEST="true"
    )
    due = Conversation.objects.filter(answer_due_at__lte=timezone.now()).count()
    t = time.perf_counter()
    settled = services.answer_deadline_sweep()
    sweep_s = time.perf_counter() - t
    print("\n| measure | p50 ms | p95 ms |\n|---|---:|---:|")
    print(f"| inbox page, hub with {mine:,} conversations | {inbox[0]:.1f} | {inbox[1]:.1f} |")
    print(f"| thread page, {thread.messages.count():,} messages | {thread_page[0]:.1f} | {thread_page[1]:.1f} |")
    print(f"| htmx refresh, nothing new | {refresh[0]:.1f} | {refresh[1]:.1f} |")
    print(
        f"\nM2 sweep: {settled:,} of {due:,} due conversations settled in {sweep_s:.2f} s over {messages:,} messages"
    )
    print(f"load average after: {os.getloadavg()}")


main()
