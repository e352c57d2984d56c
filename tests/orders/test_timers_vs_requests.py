"""Every timer (O3, O5, O6, O8, O9/O10) against every kind of open cancellation request, with time-machine on both
sides of each deadline. The rule order is written down in orders/rules.py: an open request holds the O3 clock
until it is answered or confirmed automatically; the sweep that settles the request decides the outcome."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders import rules, selectors, services
from orders.models import CancellationRequest, Order, OrderEvent
from payments.models import EscrowHold
from tests.orders.factories import assert_ledger_ok, fresh, kwork_of, person
from tests.support import fund, main_of

pytestmark = pytest.mark.django_db
T0 = timezone.datetime(2026, 3, 2, 10, 0, tzinfo=timezone.UTC)
SECOND = timedelta(seconds=1)
ACCEPT = timedelta(hours=rules.ACCEPT_HOURS)
RESPOND = timedelta(days=rules.RESPOND_DAYS)
INACTIVE = timedelta(days=rules.INACTIVITY_DAYS)
S = Order.Status
Req = CancellationRequest.Status

# The kinds of request that wait for an answer (O9/O10 "confirms"), by the state they can be opened in.
CONFIRMED = [r for r in rules.CANCEL_REASONS.values() if r.confirm]
ON_NEW = [r.code for r in CONFIRMED if S.NEW in r.states and not r.needs_silence]
ON_NEW_SILENT = [r.code for r in CONFIRMED if S.NEW in r.states and r.needs_silence]
IN_PROGRESS = [r.code for r in CONFIRMED if S.IN_PROGRESS in r.states]


def at(moment):
    return time_machine.travel(moment, tick=False)


def make(state="new", lead_time_days=2):
    """A $15 order placed at T0; started at T0 + 1 h when asked (due two days later unless told otherwise)."""
    buyer, kwork = person(), kwork_of(price_cents=1500, lead_time_days=lead_time_days)
    fund(buyer, 1500)
    with at(T0):
        order = services.order_place(buyer=buyer, kwork=kwork)
    if state == "in_progress":
        with at(T0 + timedelta(hours=1)):
            order = services.order_start(order=order, seller=order.seller)
    return fresh(order)


def ask(order, code, when):
    reason = rules.CANCEL_REASONS[code]
    who = order.buyer if reason.side == rules.BUYER else order.seller
    with at(when):
        request = services.cancellation_request_create(order=fresh(order), user=who, reason=code)
    assert isinstance(request, CancellationRequest) and request.status == Req.PENDING
    return request


def answer(request, how, when):
    order = request.order
    with at(when):
        if how == "withdraw":
            services.cancellation_request_withdraw(request=request, user=request.requested_by)
        else:
            other = order.seller if request.side == rules.BUYER else order.buyer
            services.cancellation_request_answer(request=request, user=other, accept=False)


def sweep(name, when):
    with at(when):
        return getattr(services, name)()


def assert_settled_by_request(order, request):
    """Cancelled by the O9/O10 sweep with the request's own reason and rating effect (never O3/O8's)."""
    order, request = fresh(order), CancellationRequest.objects.get(pk=request.pk)
    reason = rules.CANCEL_REASONS[request.reason]
    assert request.status == Req.AUTO_CONFIRMED
    assert order.status == S.CANCELLED
    assert order.cancel_reason == reason.code
    assert order.counts_against_seller is reason.counts_against_seller
    assert order.cancelled_by == reason.side
    assert order.escrow_hold.status == EscrowHold.Status.REFUNDED
    assert main_of(order.buyer) == 1500
    assert order.events.filter(kind=OrderEvent.Kind.CANCELLED).count() == 1
    assert_ledger_ok()


# --- O3 accept_by ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ON_NEW)
def test_o3_o9_o10_open_request_on_a_new_order_holds_the_24h_clock_until_it_is_confirmed(code):
    order = make()
    opened = T0 + timedelta(hours=20)  # 4 hours left to start
    request = ask(order, code, opened)
    respond_by = opened + RESPOND
    assert fresh(order).accept_by == respond_by + timedelta(hours=4)
    # Past the old 24 hours, and up to the last second before the answer is due: nothing happens.
    for moment in (T0 + ACCEPT, T0 + ACCEPT + SECOND, respond_by - SECOND):
        assert sweep("orders_autocancel_unaccepted", moment) == 0
        assert sweep("cancellation_requests_autoconfirm", moment) == 0
        assert fresh(order).status == S.NEW
    assert CancellationRequest.objects.get(pk=request.pk).status == Req.PENDING
    # At respond_by the O3 sweep still has nothing to do; the O9/O10 sweep decides.
    assert sweep("orders_autocancel_unaccepted", respond_by) == 0
    assert sweep("cancellation_requests_autoconfirm", respond_by) == 1
    assert_settled_by_request(order, request)


@pytest.mark.parametrize("code", ON_NEW_SILENT)
def test_o3_o9_no_contact_request_opened_just_after_24h_before_the_sweep_is_not_overridden_by_o3(code):
    # "No answer for 24 hours" on a new order can only be chosen once the 24 hours are over: the O3 sweep may
    # not have run yet. The request still decides, with its own rating effect.
    order = make()
    opened = T0 + ACCEPT + timedelta(minutes=1)
    request = ask(order, code, opened)
    assert fresh(order).accept_by == opened + RESPOND + timedelta(hours=rules.ACCEPT_RESUME_MIN_HOURS)
    assert sweep("orders_autocancel_unaccepted", opened) == 0
    assert sweep("orders_autocancel_unaccepted", opened + RESPOND - SECOND) == 0
    assert fresh(order).status == S.NEW
    assert sweep("cancellation_requests_autoconfirm", opened + RESPOND) == 1
    assert_settled_by_request(order, request)


@pytest.mark.parametrize("how", ["decline", "withdraw"])
@pytest.mark.parametrize("code", ON_NEW)
def test_o3_declined_or_withdrawn_request_gives_the_seller_back_the_time_that_was_left(code, how):
    order = make()
    request = ask(order, code, T0 + timedelta(hours=20))  # 4 hours left
    answered = T0 + timedelta(hours=30)
    answer(request, how, answered)
    resumed = answered + timedelta(hours=4)
    assert fresh(order).accept_by == resumed
    assert sweep("orders_autocancel_unaccepted", resumed - SECOND) == 0
    assert fresh(order).status == S.NEW
    with at(resumed - SECOND):
        assert "start" in selectors.order_actions(order=fresh(order), user=order.seller)
    assert sweep("orders_autocancel_unaccepted", resumed) == 1
    order = fresh(order)
    assert order.status == S.CANCELLED and order.cancel_reason == rules.AUTO_UNACCEPTED
    assert order.counts_against_seller is True
    assert_ledger_ok()


def test_o3_the_seller_may_start_while_a_request_is_open_after_the_old_24_hours():
    order = make()
    request = ask(order, "buyer_misunderstanding", T0 + timedelta(hours=20))
    with at(T0 + timedelta(hours=30)):
        services.order_start(order=fresh(order), seller=order.seller)
    assert fresh(order).status == S.IN_PROGRESS
    assert CancellationRequest.objects.get(pk=request.pk).status == Req.PENDING


def test_o3_sweep_still_selects_by_accept_by_alone_without_a_join_to_the_requests():
    """The hold is a moved deadline, so the O3 sweep's locking query stays a range scan of order_new_accept_by."""
    due, held = make(), make()
    ask(held, "seller_no_info", T0 + timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries, at(T0 + ACCEPT):
        assert services.orders_autocancel_unaccepted() == 1
    selecting = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and '"accept_by" <=' in q["sql"]]
    assert selecting and all("cancellationrequest" not in sql for sql in selecting)
    assert fresh(due).status == S.CANCELLED and fresh(held).status == S.NEW


# --- O5 due_at (overdue) --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", IN_PROGRESS)
def test_o5_overdue_marking_leaves_an_open_request_open_and_its_sweep_still_decides(code):
    order = make("in_progress")
    due = fresh(order).due_at  # T0 + 1 h + 2 days
    request = ask(order, code, due - timedelta(hours=1))
    assert sweep("orders_mark_overdue", due - SECOND) == 0
    assert fresh(order).overdue_at is None
    assert sweep("orders_mark_overdue", due) == 1
    assert fresh(order).overdue_at == due and fresh(order).status == S.IN_PROGRESS
    assert CancellationRequest.objects.get(pk=request.pk).status == Req.PENDING
    respond_by = due - timedelta(hours=1) + RESPOND
    assert sweep("cancellation_requests_autoconfirm", respond_by - SECOND) == 0
    assert sweep("cancellation_requests_autoconfirm", respond_by) == 1
    assert_settled_by_request(order, request)


@pytest.mark.parametrize("code", IN_PROGRESS)
def test_o5_o9_buyer_may_cancel_for_lateness_at_once_even_while_a_request_is_open(code):
    order = make("in_progress")
    due = fresh(order).due_at
    request = ask(order, code, due - timedelta(hours=1))
    with at(due - SECOND):
        assert "buyer_late" not in {
            r.code for r in selectors.cancellation_reasons_for(order=fresh(order), user=order.buyer)
        }
    sweep("orders_mark_overdue", due)
    with at(due + SECOND):
        offered = {r.code for r in selectors.cancellation_reasons_for(order=fresh(order), user=order.buyer)}
        assert offered == {"buyer_late"}  # the only reason while a request is open
        services.cancellation_request_create(order=fresh(order), user=order.buyer, reason="buyer_late")
    order = fresh(order)
    assert order.status == S.CANCELLED and order.cancel_reason == "buyer_late" and order.counts_against_seller
    assert CancellationRequest.objects.get(pk=request.pk).status == Req.LAPSED
    assert main_of(order.buyer) == 1500
    assert_ledger_ok()


# --- O6 review_until ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", IN_PROGRESS)
def test_o6_a_delivery_lapses_the_open_request_and_auto_completion_runs_on_time(code):
    order = make("in_progress")
    opened = T0 + timedelta(hours=30)
    request = ask(order, code, opened)
    with at(opened + timedelta(hours=1)):
        services.order_deliver(order=fresh(order), seller=order.seller, message="Done")
    assert CancellationRequest.objects.get(pk=request.pk).status == Req.LAPSED
    review_until = fresh(order).review_until
    with at(review_until):
        assert selectors.cancellation_reasons_for(order=fresh(order), user=order.buyer) == []
    assert sweep("cancellation_requests_autoconfirm", opened + RESPOND) == 0
    assert sweep("orders_autocomplete", review_until - SECOND) == 0
    assert fresh(order).status == S.DELIVERED
    assert sweep("orders_autocomplete", review_until) == 1
    assert fresh(order).status == S.COMPLETED
    assert_ledger_ok()


# --- O8 last_activity_at ------------------------------------------------------------------------------------------


def test_o8_o9_respond_days_is_shorter_than_inactivity_so_a_request_is_settled_first():
    assert rules.RESPOND_DAYS < rules.INACTIVITY_DAYS


@pytest.mark.parametrize("code", IN_PROGRESS)
def test_o8_inactivity_never_cancels_under_an_open_request(code):
    order = make("in_progress", lead_time_days=30)  # not overdue: a buyer's request would cancel at once
    opened = T0 + timedelta(hours=1) + INACTIVE - timedelta(hours=1)  # an hour before O8 would fire
    request = ask(order, code, opened)
    assert fresh(order).last_activity_at == opened
    for moment in (T0 + timedelta(hours=1) + INACTIVE, opened + RESPOND - SECOND):
        assert sweep("orders_cancel_inactive", moment) == 0
        assert sweep("cancellation_requests_autoconfirm", moment) == 0
    assert sweep("cancellation_requests_autoconfirm", opened + RESPOND) == 1
    assert_settled_by_request(order, request)


@pytest.mark.parametrize("how", ["decline", "withdraw"])
@pytest.mark.parametrize("code", IN_PROGRESS)
def test_o8_declined_or_withdrawn_request_is_activity_and_restarts_the_14_days(code, how):
    order = make("in_progress", lead_time_days=30)
    request = ask(order, code, T0 + timedelta(days=3))
    answered = T0 + timedelta(days=4)
    answer(request, how, answered)
    assert sweep("orders_cancel_inactive", answered + INACTIVE - SECOND) == 0
    assert fresh(order).status == S.IN_PROGRESS
    assert sweep("orders_cancel_inactive", answered + INACTIVE) == 1
    order = fresh(order)
    assert order.status == S.CANCELLED and order.cancel_reason == rules.AUTO_INACTIVE
    assert order.counts_against_seller is False
    assert_ledger_ok()


# --- O9/O10 respond_by ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "code"), [("new", c) for c in ON_NEW] + [("in_progress", c) for c in IN_PROGRESS]
)
def test_o9_o10_every_open_request_is_confirmed_exactly_at_respond_by(state, code):
    order = make(state)
    opened = T0 + timedelta(hours=2 if state == "new" else 30)
    request = ask(order, code, opened)
    for name in ("orders_autocancel_unaccepted", "orders_cancel_inactive", "cancellation_requests_autoconfirm"):
        assert sweep(name, opened + RESPOND - SECOND) == 0, name
    assert CancellationRequest.objects.get(pk=request.pk).status == Req.PENDING
    assert sweep("orders_autocancel_unaccepted", opened + RESPOND) == 0
    assert sweep("cancellation_requests_autoconfirm", opened + RESPOND) == 1
    assert_settled_by_request(order, request)
    assert sweep("cancellation_requests_autoconfirm", opened + RESPOND + timedelta(days=30)) == 0


def test_o3_requests_opened_before_the_hold_existed_are_held_by_the_data_migration():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("orders.migrations.0006_hold_o3_for_open_requests")
    order = make()
    opened = T0 + timedelta(hours=20)
    request = CancellationRequest.objects.create(
        order=order,
        requested_by=order.seller,
        side=rules.SELLER,
        reason="seller_no_info",
        respond_by=opened + RESPOND,
        created_at=opened,
    )
    assert fresh(order).accept_by == T0 + ACCEPT  # the old, unheld deadline
    migration.hold(apps, None)
    assert fresh(order).accept_by == request.respond_by + timedelta(hours=4)
    migration.hold(apps, None)  # run again: already held, unchanged
    assert fresh(order).accept_by == request.respond_by + timedelta(hours=4)
