"""The balance page's statement (P9; issues 13 and 14): rows in words that link to what they are about, the main
and bonus parts apart, keyset pages read by the account index, constant queries."""

import itertools
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders import services as order_services
from payments import selectors, services
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, Referral
from payments.selectors import statement_cursor, statement_page
from tests.factories import UserFactory, in_group, verified
from tests.orders.factories import kwork_of, place
from tests.support import fund

from .conftest import bonus

pytestmark = pytest.mark.django_db


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _all_pages(user, size=None):
    """Every row, walking "Older →" from the first page; and the cursors seen."""
    rows, cursors, cursor = [], [], None
    while True:
        page = statement_page(user=user, cursor=cursor, size=size)
        rows.extend(page.rows)
        if not page.older:
            return rows, cursors
        cursors.append(page.older)
        cursor = page.older


# --- words and links (issue 13) ---------------------------------------------------------------------------


def test_p9_rows_say_what_they_are_and_link_to_the_order(client, seller):
    buyer = verified(UserFactory())
    kwork = kwork_of(seller, title="Logo design", price_cents=1500)
    order = place(buyer, kwork)
    order_services.order_start(order=order, seller=seller)
    order_services.order_deliver(order=order, seller=seller, message="Here it is.")
    order_services.order_accept_delivery(order=order, buyer=buyer)
    client.force_login(buyer)
    html = client.get("/balance/").content.decode()
    text = _text(html)
    assert f'<a href="/orders/{order.pk}/">Payment for order #{order.pk} “{order.title}”</a>' in html
    assert "Top-up (test mode, not real money)" in text
    assert f"order:{order.pk}" not in html and "topup:" not in html  # no raw references
    client.force_login(seller)
    html = client.get("/balance/").content.decode()
    assert f'<a href="/orders/{order.pk}/">Earnings from order #{order.pk} “{order.title}”</a>' in html
    assert "+$12.00" in html  # the seller's 80 %


def test_p9_refund_promo_and_withdrawal_rows(user_client, user, seller):
    order = place(user, kwork_of(seller, price_cents=2000))
    order_services.order_cancel_quick(order=order, buyer=user)
    bonus(user, 500)
    fund(user, 5000)
    details = services.payout_details_save(user=user, holder_name="Pat Doe", card_last4="4321")
    from accounts.models import AccountChange

    AccountChange.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=8))
    withdrawal = services.withdrawal_request(user=user, amount_cents=2000)
    support = in_group(verified(UserFactory()), "Support")
    services.withdrawal_reject(withdrawal=withdrawal, staff_user=support, reason="Card holder does not match")
    html = user_client.get("/balance/").content.decode()
    text = _text(html)
    assert f'<a href="/orders/{order.pk}/">Refund for order #{order.pk}' in html
    assert "Promo bonus, code " in text
    link = f'<a href="/balance/withdraw/#withdrawal-{withdrawal.pk}">'
    assert f"{link}Withdrawal to card •••• {details.card_last4}</a>" in html
    assert f"{link}Withdrawal not approved: money returned</a>" in html
    assert "Reason: Card holder does not match" in text
    withdraw_page = user_client.get("/balance/withdraw/").content.decode()
    assert f'id="withdrawal-{withdrawal.pk}"' in withdraw_page  # the link's anchor exists


def test_p7_a_referral_commission_names_no_order_of_someone_else(client, seller):
    partner = verified(UserFactory())
    buyer = verified(UserFactory())
    Referral.objects.create(partner=partner, referred=buyer, activated_at=timezone.now())
    order = place(buyer, kwork_of(seller, price_cents=10_000))
    order_services.order_start(order=order, seller=seller)
    order_services.order_deliver(order=order, seller=seller, message="Done.")
    order_services.order_accept_delivery(order=order, buyer=buyer)
    client.force_login(partner)
    html = client.get("/balance/").content.decode()
    assert "Referral commission" in html and "+$3.50" in html
    assert f"/orders/{order.pk}/" not in html and order.title not in html


def test_p9_an_order_reference_is_named_and_linked_only_for_its_parties(user, other_user, seller):
    order = place(user, kwork_of(seller, price_cents=1000))
    row = statement_page(user=user).rows[0]
    assert row.url == f"/orders/{order.pk}/" and order.title in row.label
    # The same reference read for someone who is not a party (as a referral partner would be): no title, no link.
    rows = selectors.statement_describe(
        user=other_user, rows=[selectors.StatementRow(transaction=row.transaction)]
    )
    assert rows[0].url == "" and order.title not in rows[0].label


# --- main and bonus apart (issue 13) ----------------------------------------------------------------------


def test_p8_one_payment_from_both_parts_is_one_row_with_each_part_apart(user_client, user, seller):
    fund(user, 3000)
    bonus(user, 1000)
    place(user, kwork_of(seller, price_cents=1500), fund_cents=0)  # bonus first: $10 bonus + $5 main
    row = statement_page(user=user).rows[0]
    assert (row.main_cents, row.bonus_cents) == (-500, -1000)
    assert (row.main_after_cents, row.bonus_after_cents) == (2500, 0)
    promo_row = statement_page(user=user).rows[1]
    assert (promo_row.main_cents, promo_row.bonus_cents) == (None, 1000)
    assert (promo_row.main_after_cents, promo_row.bonus_after_cents) == (3000, 1000)
    html = user_client.get("/balance/").content.decode()
    assert "Main part" in html and "Bonus part" in html
    assert 'data-part="main" data-label="Main">−$5.00</td>' in html
    assert 'data-part="bonus" data-label="Bonus">−$10.00</td>' in html


def test_p9_balances_after_each_row_match_the_ledger_on_every_page(user, seller):
    for i in range(7):
        fund(user, 1000 + i)
        bonus(user, 100 + i)
        if i % 3 == 0:
            place(user, kwork_of(seller, price_cents=1000), fund_cents=0)
    rows, _ = _all_pages(user, size=4)
    main = LedgerAccount.objects.get(owner=user, kind="user_main")
    bonus_account = LedgerAccount.objects.get(owner=user, kind="user_bonus")
    assert (rows[0].main_after_cents, rows[0].bonus_after_cents) == (
        main.balance_cents,
        bonus_account.balance_cents,
    )
    for newer, older in itertools.pairwise(rows):  # each row's change leads from the older row's balance
        assert newer.main_after_cents == older.main_after_cents + (newer.main_cents or 0)
        assert newer.bonus_after_cents == older.bonus_after_cents + (newer.bonus_cents or 0)
    assert rows[-1].main_after_cents == rows[-1].main_cents and rows[-1].bonus_after_cents == (
        rows[-1].bonus_cents or 0
    )


# --- keyset pages (issue 14) ------------------------------------------------------------------------------


def test_p9_older_and_newer_pages_walk_every_transaction_once(user, seller):
    for i in range(30):
        fund(user, 1000 + i)
        if i % 4 == 0:
            bonus(user, 300)
            place(user, kwork_of(seller, price_cents=1000), fund_cents=0)  # a two-part row
    expected = list(
        LedgerTransaction.objects.filter(entries__account__owner=user)
        .distinct()
        .order_by("-id")
        .values_list("id", flat=True)
    )
    rows, cursors = _all_pages(user, size=7)
    assert [row.transaction.pk for row in rows] == expected  # none twice, none lost, newest first
    assert len(cursors) == (len(expected) - 1) // 7
    # "← Newer" from the second page gives the first page again; from the first page there is none.
    first = statement_page(user=user, size=7)
    second = statement_page(user=user, cursor=first.older, size=7)
    assert first.newer == "" and second.newer
    back = statement_page(user=user, cursor=second.newer, size=7)
    assert [r.transaction.pk for r in back.rows] == [r.transaction.pk for r in first.rows]
    assert back.newer == "" and back.older == first.older
    third = statement_page(user=user, cursor=second.older, size=7)
    assert [r.transaction.pk for r in statement_page(user=user, cursor=third.newer, size=7).rows] == [
        r.transaction.pk for r in second.rows
    ]


@pytest.mark.parametrize("count, pages", [(25, 1), (26, 2), (50, 2), (51, 3)])
def test_p9_page_boundaries(user_client, user, count, pages):
    for _ in range(count):
        fund(user, 100)
    rows, cursors = _all_pages(user)
    assert len(rows) == count and len(cursors) == pages - 1
    html = user_client.get("/balance/").content.decode()
    assert ("Older →" in html) == (pages > 1) and "← Newer" not in html


def test_p9_the_page_links_carry_the_cursor(user_client, user):
    for _ in range(30):
        fund(user, 100)
    html = user_client.get("/balance/").content.decode()
    older = re.search(r'href="\?cursor=([^"#]+)#statement" rel="next">Older →', html)[1]
    second = user_client.get(f"/balance/?cursor={older}").content.decode()
    assert second.count("Top-up (test mode") == 5 and "← Newer" in second and "Older →" not in second


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "!!!", "b2xkZXI6MA", "bmV3ZXI6LTE", "x" * 500, "b2xkZXI6MTI6MzQ", "%00", "older:5", "0" * 40],
)
def test_p9_a_malformed_cursor_gives_the_first_page(user_client, user, cursor):
    for _ in range(30):
        fund(user, 100)
    first = statement_page(user=user)
    response = user_client.get("/balance/", {"cursor": cursor})
    assert response.status_code == 200
    assert selectors.statement_cursor_parse(cursor) is None
    assert [r.transaction.pk for r in statement_page(user=user, cursor=cursor).rows] == [
        r.transaction.pk for r in first.rows
    ]


def test_p9_another_persons_cursor_shows_only_your_own_rows(user_client, user, other_user):
    for _ in range(30):
        fund(other_user, 777)
        fund(user, 100)
    theirs = statement_page(user=other_user).older
    html = user_client.get("/balance/", {"cursor": theirs}).content.decode()
    assert "$7.77" not in html and "+$1.00" in html
    page = statement_page(user=user, cursor=theirs)
    mine = set(LedgerEntry.objects.filter(account__owner=user).values_list("transaction_id", flat=True))
    assert page.rows and {row.transaction.pk for row in page.rows} <= mine
    # A cursor pointing past the newest entry, or before the oldest, gives the first page.
    first = [row.transaction.pk for row in statement_page(user=user).rows]
    for cursor in (statement_cursor("older", 1), statement_cursor("newer", 10**15)):
        assert [row.transaction.pk for row in statement_page(user=user, cursor=cursor).rows] == first


def test_p9_a_person_with_no_money_moved_sees_the_empty_statement(user_client):
    html = user_client.get("/balance/", {"cursor": statement_cursor("older", 5)}).content.decode()
    assert "No money has moved yet" in html


# --- constant queries ---------------------------------------------------------------------------------------


def _one_of_each(user, seller, other):
    fund(user, 2000)
    bonus(user, 300)
    order = place(user, kwork_of(seller, price_cents=1000), fund_cents=0)
    order_services.order_cancel_quick(order=order, buyer=user)
    place(user, kwork_of(other, price_cents=1000), fund_cents=0)


def test_p9_statement_page_queries_are_the_same_for_1_and_50_rows(client, user, seller):
    """Each kind of thing on a page (orders, top-ups, promo codes, commissions) is read once for the whole page,
    so a page of one round of each kind costs what a full page of many rounds costs."""
    other = verified(UserFactory())
    client.force_login(user)
    _one_of_each(user, seller, other)  # 5 rows
    client.get("/balance/")
    with CaptureQueriesContext(connection) as one:
        client.get("/balance/")
    for _ in range(19):
        _one_of_each(user, seller, other)  # 100 rows: four full pages
    with CaptureQueriesContext(connection) as full:
        html = client.get("/balance/").content.decode()
    assert html.count("<tr>") - 2 == 25  # a full page (two header rows)
    assert len(full) == len(one)
    page = statement_page(user=user)
    with CaptureQueriesContext(connection) as older:
        client.get("/balance/", {"cursor": page.older})
    assert len(older) == len(one)
    second = statement_page(user=user, cursor=page.older)
    with CaptureQueriesContext(connection) as newer:
        client.get("/balance/", {"cursor": second.newer})
    assert len(newer) == len(one) + 2  # finding where the newer page starts: one look per part


def test_p9_no_count_and_no_offset(user_client, user):
    for _ in range(30):
        fund(user, 100)
    with CaptureQueriesContext(connection) as queries:
        user_client.get("/balance/", {"cursor": statement_page(user=user).older})
    statement_sql = [q["sql"] for q in queries.captured_queries if "ledgerentry" in q["sql"].lower()]
    assert statement_sql
    assert not any("OFFSET" in sql.upper() for sql in statement_sql)
    # The only COUNT is the bounded "is it short enough to download at once" (LIMIT inside).
    counts = [sql for sql in statement_sql if "COUNT(" in sql.upper()]
    assert all("LIMIT" in sql.upper() for sql in counts) and len(counts) <= 1


# --- the query plan on PostgreSQL (issue 14) ---------------------------------------------------------------


@pytest.mark.postgres
def test_p9_statement_reads_the_account_index_not_the_whole_ledger(user):
    fund(user, 100)
    bonus(user, 50)
    busy = verified(UserFactory())
    fund(busy, 100)
    busy_account = LedgerAccount.objects.get(owner=busy, kind="user_main").pk
    with connection.cursor() as cursor:
        # Someone else's long history: 30,000 entries, so the planner has a ledger to walk (synthetic rows).
        cursor.execute(
            "INSERT INTO payments_ledgertransaction (kind, reference, idempotency_key, memo, created_at) "
            "SELECT 'topup', 'bench', 'bench-' || g, '', now() FROM generate_series(1, 30000) g"
        )
        cursor.execute(
            "INSERT INTO payments_ledgerentry (transaction_id, account_id, amount_cents, balance_after_cents) "
            "SELECT t.id, %s, 1, 1 FROM payments_ledgertransaction t WHERE t.reference = 'bench'",
            [busy_account],
        )
        cursor.execute("ANALYZE payments_ledgerentry")
        cursor.execute("ANALYZE payments_ledgertransaction")
    fund(user, 100)  # the newest entries are the person's, after all of those
    main = LedgerAccount.objects.get(owner=user, kind="user_main")
    plan = selectors._entries_of_queryset(main.pk, below=None, limit=51).explain()
    assert "ledger_entry_account_recent" in plan, plan
    assert "payments_ledgerentry_pkey" not in plan and "Seq Scan on payments_ledgerentry" not in plan, plan
    plan = selectors._entries_of_queryset(main.pk, below=10**9, limit=51).explain()
    assert "ledger_entry_account_recent" in plan, plan


def test_p5_a_card_top_up_names_its_card(user):
    fund(user, 1000, card=("fp_a", "4242"))
    assert statement_page(user=user).rows[0].label == "Top-up by card •••• 4242"


def test_o12_an_arbitration_split_reads_as_refund_for_the_buyer_and_earnings_for_the_seller(user, seller):
    order = place(user, kwork_of(seller, title="Logo design", price_cents=2000))
    services.escrow_split(hold=order.escrow_hold, seller=seller, refund_cents=500)
    buyer_row = statement_page(user=user).rows[0]
    assert (
        buyer_row.label == f"Partial refund for order #{order.pk} “{order.title}”" and buyer_row.main_cents == 500
    )
    assert buyer_row.note == "Split by an arbitration decision." and buyer_row.url == f"/orders/{order.pk}/"
    seller_row = statement_page(user=seller).rows[0]
    assert seller_row.label == f"Earnings from order #{order.pk} “{order.title}”"
    assert seller_row.main_cents == 1200  # 80 % of the $15.00 the seller keeps
