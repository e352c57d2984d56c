"""Issue 14: the order page and its chat in constant time. The page draws the latest messages, deliveries and
events with "show earlier" paging (keyset by id, htmx or plain links); the chat's refresh asks only for what is
new since the last message the page has, and "nothing new" is an empty 204 after one query; the manage-orders
lists page by keyset over the (party, placed_at, id) index. Every endpoint is a 404 for anyone but the parties."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import MODERATORS, SUPPORT
from orders import rules, services
from orders.models import Delivery, Order, OrderEvent, OrderMessage
from tests.factories import in_group
from tests.marketplace.factories import png_bytes
from tests.orders.factories import person, place, started

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
N = rules.CHAT_PAGE_SIZE


def add_messages(order, count, *, text="Message number {:05d}"):
    """`count` chat messages, alternating authors, each a second after the last (bulk: 2,000 in one insert)."""
    start = OrderMessage.objects.filter(order=order).count()
    at = timezone.now()
    OrderMessage.objects.bulk_create(
        OrderMessage(
            order=order,
            author_id=order.buyer_id if index % 2 else order.seller_id,
            text=text.format(index),
            created_at=at + timedelta(seconds=index),
        )
        for index in range(start, start + count)
    )


def add_events(order, count):
    at = timezone.now()
    OrderEvent.objects.bulk_create(
        OrderEvent(order=order, kind=OrderEvent.Kind.CANCEL_WITHDRAWN, actor_id=order.buyer_id, created_at=at)
        for _ in range(count)
    )


def add_deliveries(order, count):
    """As `count` deliveries would leave them: the rows, and the order's delivered_at (set by the first)."""
    at = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(order=order, message=f"Version {index}", created_at=at + timedelta(seconds=index))
        for index in range(count)
    )
    Order.objects.filter(pk=order.pk, delivered_at=None).update(delivered_at=at)


def ids(order):
    return list(OrderMessage.objects.filter(order=order).order_by("pk").values_list("pk", flat=True))


def queries_and_bytes(client, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), len(response.content)


@pytest.fixture
def order(buyer, kwork):
    return started(buyer=buyer, kwork=kwork)


def page_url(order):
    return reverse("orders:detail", args=[order.pk])


def chat_url(order):
    return reverse("orders:messages", args=[order.pk])


# --- the page does not grow with the order's history --------------------------------------------------------


def test_order_page_for_10_and_2000_messages_has_the_same_queries_and_does_not_grow(client, order):
    client.force_login(order.buyer)
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):  # countdown texts stay put
        add_messages(order, 10)
        add_deliveries(order, 1)
        add_events(order, 2)
        client.get(page_url(order))  # the first request of a session also records the visit
        ten = queries_and_bytes(client, page_url(order))
        add_messages(order, N - 10)
        full_page = queries_and_bytes(client, page_url(order))
        add_messages(order, 2000 - N)
        add_events(order, 2000)
        add_deliveries(order, 50)
        many = queries_and_bytes(client, page_url(order))
    assert OrderMessage.objects.filter(order=order).count() == 2000
    assert ten[0] == full_page[0] == many[0]
    # From a full first page on, the size is the same whatever the history (ids only gain digits; the
    # "show earlier" controls and the latest deliveries and events are a bounded, one-off addition).
    per_message = (full_page[1] - ten[1]) / (N - 10)
    assert 150 < per_message < 600, per_message
    bounded_sections = 8_000  # DELIVERIES_PAGE_SIZE deliveries + TIMELINE_PAGE_SIZE events + three controls
    assert many[1] - full_page[1] < bounded_sections, (full_page, many)
    # Drawing all 2,000 would add about 1,970 messages' worth of bytes.
    assert many[1] < ten[1] + N * per_message + bounded_sections


def test_the_page_draws_the_latest_messages_oldest_first_with_a_link_to_earlier_ones(client, order):
    add_messages(order, N + 5)
    client.force_login(order.buyer)
    content = client.get(page_url(order)).content.decode()
    all_ids = ids(order)
    shown = all_ids[-N:]
    assert f'id="order-message-{all_ids[4]}"' not in content
    assert f'id="order-message-{all_ids[5]}"' in content
    positions = [content.index(f'id="order-message-{pk}"') for pk in shown]
    assert positions == sorted(positions)
    assert f"?before={shown[0]}#chat" in content  # the plain link
    assert f'hx-get="{chat_url(order)}?before={shown[0]}"' in content
    assert f"?after={shown[-1]}&amp;v=" in content  # the refresh asks after the newest


@pytest.mark.parametrize("count, has_link", [(0, False), (N, False), (N + 1, True)])
def test_the_earlier_link_appears_only_when_earlier_messages_exist(client, order, count, has_link):
    add_messages(order, count)
    client.force_login(order.seller)
    content = client.get(page_url(order)).content.decode()
    assert ('data-testid="chat-earlier"' in content) is has_link
    assert content.count('id="order-message-') == min(count, N)
    if not count:
        assert "No messages yet" in content and "?after=0&amp;" in content


def test_earlier_pages_with_htmx_go_back_to_the_first_message_then_stop(client, order):
    add_messages(order, 2 * N + 5)
    all_ids = ids(order)
    client.force_login(order.buyer)
    second = client.get(chat_url(order), {"before": all_ids[-N]}, **HTMX)
    body = second.content.decode()
    assert second.status_code == 200
    assert body.count('id="order-message-') == N
    assert f'id="order-message-{all_ids[5]}"' in body and f'id="order-message-{all_ids[N + 4]}"' in body
    assert f'id="order-message-{all_ids[N + 5]}"' not in body
    assert f"?before={all_ids[5]}" in body and 'id="chat-earlier"' in body
    assert "chat-poller" not in body  # the page's own refresh keeps asking after the newest
    last = client.get(chat_url(order), {"before": all_ids[5]}, **HTMX).content.decode()
    assert last.count('id="order-message-') == 5 and 'id="chat-earlier"' not in last


def test_earlier_messages_without_javascript_are_the_order_page_at_that_page(client, order):
    add_messages(order, N + 3)
    all_ids = ids(order)
    client.force_login(order.buyer)
    redirect = client.get(chat_url(order), {"before": all_ids[-N]})
    assert redirect.status_code == 302 and redirect["Location"] == f"{page_url(order)}?before={all_ids[-N]}#chat"
    content = client.get(redirect["Location"]).content.decode()
    assert content.count('id="order-message-') == 3
    assert 'data-testid="chat-latest"' in content and 'id="chat-poller"' not in content


@pytest.mark.parametrize("value", ["abc", "-3", "1.5", "0", "²", "99999999999999999999999"])
def test_a_malformed_before_id_is_a_400_with_htmx_and_the_latest_page_without(client, order, value):
    add_messages(order, 3)
    client.force_login(order.buyer)
    assert client.get(chat_url(order), {"before": value}, **HTMX).status_code == 400
    page = client.get(page_url(order), {"before": value})
    assert page.status_code == 200 and page.content.decode().count('id="order-message-') == 3


# --- the refresh ------------------------------------------------------------------------------------------


def test_the_refresh_with_nothing_new_is_an_empty_204_after_one_query_and_no_rendering(client, order):
    add_messages(order, 2000)
    client.force_login(order.buyer)
    page = client.get(page_url(order))
    last = ids(order)[-1]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(chat_url(order), {"after": last, "v": page.context["page_version"]}, **HTMX)
    assert response.status_code == 204 and response.content == b""
    assert response.templates == []
    order_queries = [q["sql"] for q in ctx.captured_queries if "orders_" in q["sql"]]
    assert len(order_queries) == 1, order_queries


def test_the_refresh_after_an_older_id_brings_only_the_newer_messages_appended(client, order):
    add_messages(order, 40)
    all_ids = ids(order)
    client.force_login(order.seller)
    response = client.get(chat_url(order), {"after": all_ids[-3]}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('id="order-message-') == 2
    assert f'id="order-message-{all_ids[-2]}"' in body and f'id="order-message-{all_ids[-1]}"' in body
    assert 'hx-swap-oob="beforeend:#chat-messages"' in body
    assert f"?after={all_ids[-1]}&amp;" in body  # the next refresh asks after the newest it now has


def test_the_refresh_brings_at_most_a_page_and_the_next_one_continues(client, order):
    add_messages(order, N + 7)
    all_ids = ids(order)
    client.force_login(order.buyer)
    body = client.get(chat_url(order), {"after": 0}, **HTMX).content.decode()
    assert body.count('id="order-message-') == N and f"?after={all_ids[N - 1]}&amp;" in body
    rest = client.get(chat_url(order), {"after": all_ids[N - 1]}, **HTMX).content.decode()
    assert rest.count('id="order-message-') == 7


def test_the_refresh_reloads_the_page_when_the_order_changed_even_with_nothing_new(client, order):
    client.force_login(order.buyer)
    version = client.get(page_url(order)).context["page_version"]
    services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_misunderstanding")
    response = client.get(chat_url(order), {"after": 0, "v": version}, **HTMX)
    assert response["HX-Refresh"] == "true"


@pytest.mark.parametrize("value", ["", "abc", "-1", "1e3", "12 ", "²", "99999999999999999999999"])
def test_a_malformed_after_id_is_a_400_never_a_500(client, order, value):
    client.force_login(order.buyer)
    response = client.get(chat_url(order), {"after": value}, **HTMX)
    assert response.status_code == 400 and "not valid" in response.content.decode()


def test_a_message_sent_with_htmx_comes_back_in_the_latest_page_with_the_refresh_after_it(client, order):
    add_messages(order, N + 2)
    client.force_login(order.buyer)
    response = client.post(reverse("orders:message_send", args=[order.pk]), {"text": "A new question"}, **HTMX)
    body = response.content.decode()
    newest = ids(order)[-1]
    assert "A new question" in body and body.count('id="order-message-') == N
    assert f"?after={newest}&amp;" in body


# --- deliveries and history -------------------------------------------------------------------------------


def test_deliveries_and_history_show_the_latest_with_earlier_pages(client, order):
    add_deliveries(order, rules.DELIVERIES_PAGE_SIZE + 2)
    add_events(order, rules.TIMELINE_PAGE_SIZE + 4)
    client.force_login(order.buyer)
    content = client.get(page_url(order)).content.decode()
    total = rules.DELIVERIES_PAGE_SIZE + 2
    assert f"Delivery {total}</strong>" in content and "Delivery 3</strong>" in content
    assert "Delivery 2</strong>" not in content  # numbered from the first delivery, not from the page
    deliveries = list(Delivery.objects.filter(order=order).order_by("pk").values_list("pk", flat=True))
    earlier = client.get(reverse("orders:deliveries", args=[order.pk]), {"before": deliveries[2]}, **HTMX)
    body = earlier.content.decode()
    assert "Delivery 1</strong>" in body and "Delivery 2</strong>" in body and "Delivery 3</strong>" not in body
    assert 'id="deliveries-earlier"' not in body
    assert 'data-testid="history-earlier"' in content
    events = list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("pk", flat=True))
    assert content.count('<li class="event-') == rules.TIMELINE_PAGE_SIZE
    history = client.get(reverse("orders:history", args=[order.pk]), {"before": events[-rules.TIMELINE_PAGE_SIZE]})
    assert history["Location"] == f"{page_url(order)}?history_before={events[-rules.TIMELINE_PAGE_SIZE]}#history"
    older = client.get(history["Location"]).content.decode()
    assert older.count('<li class="event-') == len(events) - rules.TIMELINE_PAGE_SIZE
    with_htmx = client.get(reverse("orders:history", args=[order.pk]), {"before": events[1]}, **HTMX)
    assert with_htmx.content.decode().count('<li class="event-') == 1
    assert client.get(reverse("orders:history", args=[order.pk]), {"before": "x"}, **HTMX).status_code == 400


# --- who may ask --------------------------------------------------------------------------------------------


def _stranger():
    return person()


def _other_party():
    return place().buyer  # a party to another order


def _moderator():
    return in_group(person(), MODERATORS)


def _support():
    return in_group(person(), SUPPORT)


@pytest.mark.parametrize("who", [_stranger, _other_party, _moderator, _support])
def test_every_endpoint_is_a_404_for_anyone_but_the_parties(client, order, who):
    add_messages(order, 3)
    add_deliveries(order, 1)
    client.force_login(who())
    first = ids(order)[0]
    requests = [
        (page_url(order), {}, {}),
        (page_url(order), {"before": first}, {}),
        (chat_url(order), {"after": 0}, HTMX),
        (chat_url(order), {"after": first}, HTMX),
        (chat_url(order), {"before": first}, HTMX),
        (chat_url(order), {}, {}),
        (reverse("orders:history", args=[order.pk]), {"before": 1}, HTMX),
        (reverse("orders:deliveries", args=[order.pk]), {"before": 1}, HTMX),
    ]
    for url, params, extra in requests:
        response = client.get(url, params, **extra)
        assert response.status_code == 404, (url, params, response.status_code)
        assert b"Message number" not in response.content


def test_logged_out_visitors_are_sent_to_log_in(client, order):
    for url in (chat_url(order), reverse("orders:history", args=[order.pk])):
        response = client.get(url, {"after": 0}, **HTMX)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- delivered images get a preview ------------------------------------------------------------------------


def _upload(name, data, content_type):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def delivered_files(order):
    services.order_deliver(
        order=order,
        seller=order.seller,
        message="The logo and its sources.",
        files=[
            _upload("logo.png", png_bytes(), "image/png"),
            _upload("sources.zip", b"PK\x03\x04" + b"sources " * 20, "application/zip"),
        ],
    )
    return {f.name: f for f in Order.objects.get(pk=order.pk).deliveries.get().files.all()}


def test_an_image_delivery_shows_a_preview_through_the_checked_download(client, order, delivered_files):
    image, archive = delivered_files["logo.png"], delivered_files["sources.zip"]
    for who in (order.buyer, order.seller):
        client.force_login(who)
        content = client.get(page_url(order)).content.decode()
        assert f'<img src="{image.file.url}?preview=1"' in content
        assert f'src="{archive.file.url}' not in content  # no preview for what a browser does not show
        preview = client.get(image.file.url, {"preview": "1"})
        assert preview.status_code == 200 and preview["Content-Disposition"].startswith("inline;")
        assert preview["Content-Type"] == "image/png" and preview["Cache-Control"] == "private, no-store"
        assert client.get(image.file.url)["Content-Disposition"].startswith("attachment;")
        forced = client.get(archive.file.url, {"preview": "1"})
        assert forced["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("who", [_stranger, _other_party, _moderator, _support])
def test_the_preview_is_a_404_for_anyone_but_the_parties(client, delivered_files, who):
    client.force_login(who())
    assert client.get(delivered_files["logo.png"].file.url, {"preview": "1"}).status_code == 404


def test_support_sees_the_preview_once_the_order_went_to_arbitration(client, order, delivered_files):
    services.order_open_arbitration(order=order, user=order.buyer, description="The logo is not what we agreed.")
    client.force_login(_support())
    response = client.get(delivered_files["logo.png"].file.url, {"preview": "1"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("inline;")


# --- manage orders: keyset pages over the (party, placed_at, id) index ----------------------------------------


def _orders_for_one_seller(count):
    seller = person()
    from tests.orders.factories import kwork_of

    kwork = kwork_of(seller)
    buyer = person()
    orders = [place(buyer, kwork) for _ in range(count)]
    # Ties on placed_at are broken by id: put a few orders on the same instant across the page boundary.
    same = timezone.now() - timedelta(days=1)
    Order.objects.filter(pk__in=[o.pk for o in orders[3:8]]).update(placed_at=same)
    return seller, buyer


def _listed(response):
    return [row.order.pk for row in response.context["rows"]]


def test_the_lists_page_by_keyset_newest_first_through_ties_and_back(client):
    size = rules.LIST_PAGE_SIZE
    seller, buyer = _orders_for_one_seller(size + 6)
    expected = list(Order.objects.filter(seller=seller).order_by("-placed_at", "-pk").values_list("pk", flat=True))
    url = reverse("orders:seller_list")
    client.force_login(seller)
    first = client.get(url, {"state": "all"})
    assert _listed(first) == expected[:size]
    assert first.context["tabs"][-1]["count"] == size + 6  # "All" counted without reading the list
    older_than = first.context["page"].older_than
    assert f"before={older_than}" in first.content.decode() and "after=" not in first.content.decode()
    second = client.get(url, {"state": "all", "before": older_than})
    assert _listed(second) == expected[size:]
    assert second.context["page"].older_than is None
    back = client.get(url, {"state": "all", "after": second.context["page"].newer_than})
    assert _listed(back) == expected[:size] and back.context["page"].newer_than is None
    client.force_login(buyer)
    assert _listed(client.get(reverse("orders:buyer_list"), {"state": "all"})) == expected[:size]


def test_a_cursor_that_is_not_my_order_or_is_malformed_gives_the_first_page(client):
    seller, _ = _orders_for_one_seller(3)
    foreign = place()
    client.force_login(seller)
    url = reverse("orders:seller_list")
    first = _listed(client.get(url, {"state": "all"}))
    for value in (foreign.pk, "abc", "-5", "99999999999999999999999"):
        assert _listed(client.get(url, {"state": "all", "before": value})) == first
        assert _listed(client.get(url, {"state": "all", "after": value})) == first


def _plan(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _list_sql(client, state, marker):
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("orders:seller_list"), {"state": state})
    return next(q["sql"] for q in ctx.captured_queries if marker(q["sql"]))


def _page_query(sql):
    return 'FROM "orders_order"' in sql and "LIMIT" in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")
def test_explain_the_lists_read_the_party_placed_indexes_without_sorting(client):
    seller, _ = _orders_for_one_seller(4)
    client.force_login(seller)
    all_sql = _list_sql(client, "all", _page_query)
    active_sql = _list_sql(client, "active", _page_query)
    counts_sql = _list_sql(client, "all", lambda sql: "GROUP BY" in sql and "orders_order" in sql)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A handful of rows would be read whole and sorted by any plan, whichever is cheapest today; take
            # those away to ask whether an index delivers the page in order (a Sort stays if none can).
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
        all_plan, active_plan, counts_plan = _plan(all_sql), _plan(active_sql), _plan(counts_sql)
    assert "order_seller_placed" in all_plan and "Sort" not in all_plan, all_plan
    assert "order_seller_active_placed" in active_plan and "Sort" not in active_plan, active_plan
    assert "Seq Scan" not in counts_plan and "order_seller" in counts_plan, counts_plan
