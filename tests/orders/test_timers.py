"""Every timer on both sides of its deadline (time-machine): O3, O5, O6, O8, O9/O10 auto-confirmation."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Notification
from orders import rules, selectors, services, tasks
from orders.models import CancellationRequest, Order, OrderEvent
from payments.models import EscrowHold
from tests.orders.factories import assert_ledger_ok, fresh, kwork_of, person
from tests.support import fund, main_of, platform_cents

pytestmark = pytest.mark.django_db
T0 = timezone.datetime(2026, 3, 2, 10, 0, tzinfo=timezone.UTC)
SECOND = timedelta(seconds=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def new_order():
    buyer, kwork = person(), kwork_of(price_cents=2000, lead_time_days=3)
    fund(buyer, 2000)
    with at(T0):
        return services.order_place(buyer=buyer, kwork=kwork)


@pytest.fixture
def in_progress(new_order):
    with at(T0 + timedelta(hours=1)):
        return services.order_start(order=new_order, seller=new_order.seller)


@pytest.fixture
def delivered_order(in_progress):
    with at(T0 + timedelta(days=2)):
        services.order_deliver(order=in_progress, seller=in_progress.seller, message="All done.")
    return fresh(in_progress)


# --- O3 --------------------------------------------------------------------------------------------------------


def test_o3_unaccepted_order_stays_before_24h(new_order):
    with at(T0 + timedelta(hours=24) - SECOND):
        assert services.orders_autocancel_unaccepted() == 0
    assert fresh(new_order).status == Order.Status.NEW
    assert main_of(new_order.buyer) == 0


def test_o3_unaccepted_order_is_auto_cancelled_after_24h_refunded_and_counts_against_seller(new_order):
    with at(T0 + timedelta(hours=24)):
        assert services.orders_autocancel_unaccepted() == 1
    order = fresh(new_order)
    assert order.status == Order.Status.CANCELLED
    assert order.auto_cancelled is True
    assert order.counts_against_seller is True
    assert order.cancelled_by == Order.Party.SYSTEM
    assert order.cancel_reason == rules.AUTO_UNACCEPTED
    assert order.escrow_hold.status == EscrowHold.Status.REFUNDED
    assert main_of(order.buyer) == 2000
    event = order.events.get(kind=OrderEvent.Kind.CANCELLED)
    assert event.actor is None and event.from_status == "new" and event.to_status == "cancelled"
    assert Notification.objects.filter(user=order.buyer, kind="order_status").exists()
    assert Notification.objects.filter(user=order.seller, kind="order_status").exists()
    assert_ledger_ok()


def test_o3_sweep_is_idempotent(new_order):
    with at(T0 + timedelta(days=2)):
        assert services.orders_autocancel_unaccepted() == 1
        assert services.orders_autocancel_unaccepted() == 0
    assert main_of(new_order.buyer) == 2000
    assert fresh(new_order).events.filter(kind=OrderEvent.Kind.CANCELLED).count() == 1
    assert_ledger_ok()


def test_o3_seller_cannot_start_after_24h_even_before_the_sweep(new_order):
    with (
        at(T0 + timedelta(hours=24)),
        pytest.raises(services.DomainError, match="24 hours to start this order have passed"),
    ):
        services.order_start(order=new_order, seller=new_order.seller)
    assert fresh(new_order).status == Order.Status.NEW


def test_o3_celery_task_runs_the_sweep(new_order):
    with at(T0 + timedelta(hours=25)):
        assert tasks.orders_autocancel_unaccepted.delay().get() == 1
    assert fresh(new_order).status == Order.Status.CANCELLED


# --- O4/O5 ------------------------------------------------------------------------------------------------------


def test_o4_due_time_is_start_plus_lead_time(in_progress):
    assert in_progress.started_at == T0 + timedelta(hours=1)
    assert in_progress.due_at == T0 + timedelta(hours=1, days=3)


def test_o5_not_overdue_before_due_time(in_progress):
    with at(in_progress.due_at - SECOND):
        assert services.orders_mark_overdue() == 0
        assert fresh(in_progress).is_overdue is False
    assert fresh(in_progress).overdue_at is None


def test_o5_order_becomes_overdue_at_due_time_and_buyer_is_told(in_progress):
    with at(in_progress.due_at):
        assert services.orders_mark_overdue() == 1
        assert services.orders_mark_overdue() == 0
    order = fresh(in_progress)
    assert order.status == Order.Status.IN_PROGRESS
    assert order.overdue_at == in_progress.due_at
    assert order.was_overdue is True
    assert order.is_overdue
    assert order.events.filter(kind=OrderEvent.Kind.OVERDUE, actor=None).count() == 1
    assert Notification.objects.filter(user=order.buyer, title__contains="overdue").exists()


def test_o5_overdue_buyer_cancels_at_once_with_full_refund_and_rating_penalty(in_progress):
    with at(in_progress.due_at + timedelta(hours=1)):
        services.orders_mark_overdue()
        reasons = [
            r.code for r in selectors.cancellation_reasons_for(order=fresh(in_progress), user=in_progress.buyer)
        ]
        assert "buyer_late" in reasons
        result = services.cancellation_request_create(
            order=in_progress, user=in_progress.buyer, reason="buyer_late"
        )
    order = fresh(in_progress)
    assert isinstance(result, Order)
    assert order.status == Order.Status.CANCELLED
    assert order.counts_against_seller is True
    assert order.cancelled_by == Order.Party.BUYER
    assert order.was_overdue is True
    assert main_of(order.buyer) == 2000
    assert_ledger_ok()


def test_o5_lateness_reason_refused_before_due_time(in_progress):
    with (
        at(in_progress.due_at - SECOND),
        pytest.raises(services.DomainError, match="only once the order is overdue"),
    ):
        services.cancellation_request_create(order=in_progress, user=in_progress.buyer, reason="buyer_late")
    assert fresh(in_progress).status == Order.Status.IN_PROGRESS


# --- O6 ---------------------------------------------------------------------------------------------------------


def test_o6_delivery_not_completed_before_3_days(delivered_order):
    assert delivered_order.review_until == T0 + timedelta(days=5)
    with at(delivered_order.review_until - SECOND):
        assert services.orders_autocomplete() == 0
    assert fresh(delivered_order).status == Order.Status.DELIVERED
    assert main_of(delivered_order.seller) == 0


def test_o6_delivery_completes_automatically_after_3_days_with_80_20_release(delivered_order):
    with at(delivered_order.review_until):
        assert services.orders_autocomplete() == 1
        assert services.orders_autocomplete() == 0
    order = fresh(delivered_order)
    assert order.status == Order.Status.COMPLETED
    assert order.auto_completed is True
    assert order.escrow_hold.status == EscrowHold.Status.RELEASED
    assert main_of(order.seller) == 1600
    assert platform_cents() == 400
    assert main_of(order.buyer) == 0
    assert Notification.objects.filter(user=order.buyer, title__contains="completed").exists()
    assert Notification.objects.filter(user=order.seller, title__contains="completed").exists()
    assert_ledger_ok()


def test_o7_revision_stops_the_review_clock(delivered_order):
    with at(T0 + timedelta(days=3)):
        services.order_request_revision(order=delivered_order, buyer=delivered_order.buyer, reason="Bigger font")
    with at(T0 + timedelta(days=30)):
        assert services.orders_autocomplete() == 0
    order = fresh(delivered_order)
    assert order.status == Order.Status.IN_PROGRESS
    assert order.revision_count == 1
    assert order.review_until is None


# --- O8 ---------------------------------------------------------------------------------------------------------


def test_o8_order_with_activity_within_14_days_stays(in_progress):
    with at(T0 + timedelta(days=10)):
        services.order_message_send(order=in_progress, author=in_progress.buyer, text="How is it going?")
    with at(T0 + timedelta(days=10 + rules.INACTIVITY_DAYS) - SECOND):
        assert services.orders_cancel_inactive() == 0
    assert fresh(in_progress).status == Order.Status.IN_PROGRESS


def test_o8_order_with_no_activity_for_14_days_is_cancelled_and_refunded(in_progress):
    last = in_progress.last_activity_at
    with at(last + timedelta(days=rules.INACTIVITY_DAYS) - SECOND):
        assert services.orders_cancel_inactive() == 0
    with at(last + timedelta(days=rules.INACTIVITY_DAYS)):
        assert services.orders_cancel_inactive() == 1
        assert services.orders_cancel_inactive() == 0
    order = fresh(in_progress)
    assert order.status == Order.Status.CANCELLED
    assert order.cancel_reason == rules.AUTO_INACTIVE
    assert order.auto_cancelled is True
    assert order.counts_against_seller is False
    assert main_of(order.buyer) == 2000
    assert_ledger_ok()


# --- O9/O10 auto-confirmation after 2 days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "who", "counts"),
    [
        ("buyer_misunderstanding", "buyer", False),
        ("buyer_seller_busy", "buyer", True),
        ("buyer_other", "buyer", False),
        ("seller_requirements_mismatch", "seller", False),
        ("seller_no_info", "seller", False),
    ],
)
def test_o9_o10_unanswered_request_is_confirmed_after_2_days(new_order, reason, who, counts):
    user = new_order.buyer if who == "buyer" else new_order.seller
    with at(T0 + timedelta(minutes=30)):
        request = services.cancellation_request_create(order=new_order, user=user, reason=reason)
    assert isinstance(request, CancellationRequest)
    assert request.respond_by == T0 + timedelta(minutes=30, days=rules.RESPOND_DAYS)
    # The seller's 24 h acceptance sweep must not get there first in this test: move it away.
    Order.objects.filter(pk=new_order.pk).update(accept_by=T0 + timedelta(days=10))
    with at(request.respond_by - SECOND):
        assert services.cancellation_requests_autoconfirm() == 0
    assert fresh(new_order).status == Order.Status.NEW
    with at(request.respond_by):
        assert services.cancellation_requests_autoconfirm() == 1
        assert services.cancellation_requests_autoconfirm() == 0
    request.refresh_from_db()
    order = fresh(new_order)
    assert request.status == CancellationRequest.Status.AUTO_CONFIRMED
    assert order.status == Order.Status.CANCELLED
    assert order.auto_cancelled is True
    assert order.cancel_reason == reason
    assert order.counts_against_seller is counts
    assert main_of(order.buyer) == 2000
    assert_ledger_ok()


def test_o10_no_communication_request_auto_confirmed_in_progress(in_progress):
    with at(T0 + timedelta(days=2)):
        request = services.cancellation_request_create(
            order=in_progress, user=in_progress.seller, reason="seller_no_communication"
        )
    with at(request.respond_by):
        assert services.cancellation_requests_autoconfirm() == 1
    order = fresh(in_progress)
    assert order.status == Order.Status.CANCELLED
    assert order.counts_against_seller is False
    assert order.cancelled_by == Order.Party.SELLER


def test_o9_request_lapses_when_the_order_is_delivered(in_progress):
    with at(T0 + timedelta(hours=2)):
        request = services.cancellation_request_create(
            order=in_progress, user=in_progress.buyer, reason="buyer_misunderstanding"
        )
        services.order_deliver(order=in_progress, seller=in_progress.seller, message="Here it is anyway.")
    request.refresh_from_db()
    assert request.status == CancellationRequest.Status.LAPSED
    with at(T0 + timedelta(days=3)):
        assert services.cancellation_requests_autoconfirm() == 0
    assert fresh(in_progress).status == Order.Status.DELIVERED


def _sweep_queries(n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    buyer, kwork = person(), kwork_of(price_cents=1000)
    fund(buyer, 1000 * n)
    ids = [services.order_place(buyer=buyer, kwork=kwork).pk for _ in range(n)]
    Order.objects.filter(pk__in=ids).update(accept_by=timezone.now() - timedelta(minutes=1))
    with CaptureQueriesContext(connection) as ctx:
        assert services.orders_autocancel_unaccepted() == n
    assert Order.objects.filter(pk__in=ids, status=Order.Status.CANCELLED).count() == n
    return len(ctx.captured_queries)


def test_o3_sweep_settles_a_batch_with_bulk_writes_not_per_order_round_trips():
    one = _sweep_queries(1)
    forty = _sweep_queries(40)
    # Only the in-site notifications (one INSERT per person) grow with the batch; the order updates, history,
    # ledger postings and lapsed requests are written once per batch.
    assert forty - one <= 2 * 39, (one, forty)
    assert_ledger_ok()
