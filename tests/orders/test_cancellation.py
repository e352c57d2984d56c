"""O2 quick cancel, and every cancellation reason of O9 (buyer) and O10 (seller): who may choose it, in which
state, who confirms (immediate vs a request answered or auto-confirmed after 2 days), overdue → immediate, the
rating flag, the refund at once (P2) and the history (O14)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles as account_roles
from accounts.models import Notification
from orders import rules, selectors, services
from orders.models import CancellationRequest, Order, OrderEvent
from payments.models import EscrowHold
from tests.orders.factories import assert_ledger_ok, exactly, fresh, kwork_of, person
from tests.support import fund, main_of, snapshot

pytestmark = pytest.mark.django_db
T0 = timezone.datetime(2026, 3, 2, 10, 0, tzinfo=timezone.UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def make(state="new"):
    buyer, kwork = person(), kwork_of(price_cents=1500, lead_time_days=2)
    fund(buyer, 1500)
    with at(T0):
        order = services.order_place(buyer=buyer, kwork=kwork)
    if state in ("in_progress", "overdue", "delivered"):
        with at(T0 + timedelta(hours=1)):
            order = services.order_start(order=order, seller=order.seller)
    if state == "overdue":
        with at(order.due_at):
            services.orders_mark_overdue()
    if state == "delivered":
        with at(T0 + timedelta(hours=5)):
            services.order_deliver(order=order, seller=order.seller, message="Done")
    return fresh(order)


def assert_cancelled(order, *, by, reason, counts, auto=False):
    order = fresh(order)
    assert order.status == Order.Status.CANCELLED
    assert order.cancelled_by == by
    assert order.cancel_reason == reason
    assert order.counts_against_seller is counts
    assert order.auto_cancelled is auto
    assert order.escrow_hold.status == EscrowHold.Status.REFUNDED
    assert main_of(order.buyer) == 1500
    assert main_of(order.seller) == 0
    assert order.events.filter(kind=OrderEvent.Kind.CANCELLED).count() == 1
    assert_ledger_ok()
    return order


# --- O2 ----------------------------------------------------------------------------------------------------------


def test_o2_buyer_cancels_alone_at_19_minutes_refund_no_rating_effect():
    order = make()
    with at(T0 + timedelta(minutes=19)):
        assert fresh(order).buyer_can_quick_cancel
        services.order_cancel_quick(order=order, buyer=order.buyer)
    assert_cancelled(order, by="buyer", reason=rules.QUICK_CANCEL, counts=False)
    assert Notification.objects.filter(user=order.seller, title__contains="cancelled").exists()


def test_o2_quick_cancel_refused_at_21_minutes_and_nothing_changes():
    order = make()
    before = snapshot(order)
    with at(T0 + timedelta(minutes=21)):
        assert not fresh(order).buyer_can_quick_cancel
        with pytest.raises(services.DomainError) as exc:
            services.order_cancel_quick(order=order, buyer=order.buyer)
    assert str(exc.value) == (
        "The 20 minutes for cancelling on your own have passed. Choose a cancellation reason instead."
    )
    assert snapshot(order) == before


def test_o2_seller_cannot_use_quick_cancel():
    order = make()
    before = snapshot(order)
    with (
        at(T0 + timedelta(minutes=5)),
        pytest.raises(services.DomainError, match=exactly("Only the buyer can cancel this order.")),
    ):
        services.order_cancel_quick(order=order, buyer=order.seller)
    assert snapshot(order) == before


def test_o2_quick_cancel_refused_once_the_seller_started_even_after_deliver_and_revision_within_20_minutes():
    order = make()
    with at(T0 + timedelta(minutes=2)):
        services.order_start(order=order, seller=order.seller)
        assert not fresh(order).buyer_can_quick_cancel
    with at(T0 + timedelta(minutes=5)):
        services.order_deliver(order=fresh(order), seller=order.seller, message="Done")
    with at(T0 + timedelta(minutes=8)):
        services.order_request_revision(order=fresh(order), buyer=order.buyer, reason="Bigger, please.")
    before = snapshot(order)
    with at(T0 + timedelta(minutes=10)):
        assert not fresh(order).buyer_can_quick_cancel
        assert "quick_cancel" not in selectors.order_actions(order=fresh(order), user=order.buyer)
        with pytest.raises(services.DomainError) as exc:
            services.order_cancel_quick(order=fresh(order), buyer=order.buyer)
    assert str(exc.value) == (
        "The seller has already started work, so the order can no longer be cancelled on your own. "
        "Choose a cancellation reason instead."
    )
    assert snapshot(order) == before
    assert fresh(order).status == Order.Status.IN_PROGRESS
    assert fresh(order).escrow_hold.status == EscrowHold.Status.HELD
    assert_ledger_ok()


def test_o2_quick_cancel_refused_once_delivered():
    order = make("delivered")
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now())  # still "within 20 minutes"
    before = snapshot(order)
    with pytest.raises(services.DomainError, match="already been delivered"):
        services.order_cancel_quick(order=order, buyer=order.buyer)
    assert snapshot(order) == before


# --- reasons offered ---------------------------------------------------------------------------------------------


def codes(order, user, when):
    with at(when):
        return {r.code for r in selectors.cancellation_reasons_for(order=fresh(order), user=user)}


def test_o9_o10_reasons_offered_depend_on_side_and_state():
    new = make()
    late = T0 + timedelta(hours=30)  # nobody wrote for more than 24 h
    assert codes(new, new.buyer, late) == {
        "buyer_misunderstanding",
        "buyer_no_contact",
        "buyer_seller_busy",
        "buyer_other",
    }
    assert codes(new, new.seller, late) == {
        "seller_requirements_mismatch",
        "seller_no_info",
        "seller_misunderstanding",
        "seller_busy",
        "seller_other",
    }
    progress = make("in_progress")
    assert "seller_no_info" not in codes(progress, progress.seller, late)
    assert "seller_no_communication" in codes(progress, progress.seller, late)
    assert "buyer_late" not in codes(progress, progress.buyer, late)
    overdue = make("overdue")
    assert "buyer_late" in codes(overdue, overdue.buyer, overdue.due_at + timedelta(hours=1))
    assert codes(progress, person(), late) == set()
    done = make("delivered")
    assert codes(done, done.buyer, late) == set()


def test_o9_no_contact_reason_needs_24h_of_silence_from_the_seller():
    order = make("in_progress")
    with at(T0 + timedelta(hours=10)):
        services.order_message_send(order=order, author=order.seller, text="Working on it")
    assert "buyer_no_contact" not in codes(order, order.buyer, T0 + timedelta(hours=33))
    before = snapshot(order)
    with (
        at(T0 + timedelta(hours=33)),
        pytest.raises(services.DomainError, match="The seller wrote less than 24 hours ago"),
    ):
        services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_no_contact")
    assert snapshot(order) == before
    assert "buyer_no_contact" in codes(order, order.buyer, T0 + timedelta(hours=34))


# --- O9: buyer reasons that the seller confirms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "counts"),
    [
        ("buyer_misunderstanding", False),
        ("buyer_no_contact", True),
        ("buyer_seller_busy", True),
        ("buyer_other", False),
    ],
)
def test_o9_buyer_reason_needs_the_sellers_confirmation(reason, counts):
    order = make("in_progress")
    with at(T0 + timedelta(hours=26)):
        request = services.cancellation_request_create(
            order=order, user=order.buyer, reason=reason, comment="Sorry"
        )
    assert isinstance(request, CancellationRequest)
    assert request.status == CancellationRequest.Status.PENDING
    assert request.side == "buyer"
    assert request.counts_against_seller is counts
    assert fresh(order).status == Order.Status.IN_PROGRESS
    assert main_of(order.buyer) == 0
    assert Notification.objects.filter(user=order.seller, kind="cancellation_request").count() == 1
    with at(T0 + timedelta(hours=27)):
        services.cancellation_request_answer(request=request, user=order.seller, accept=True)
    request.refresh_from_db()
    assert request.status == CancellationRequest.Status.ACCEPTED
    assert_cancelled(order, by="buyer", reason=reason, counts=counts)


@pytest.mark.parametrize("reason", ["buyer_misunderstanding", "buyer_seller_busy", "buyer_other"])
def test_o9_confirm_reason_is_immediate_when_the_order_is_overdue(reason):
    order = make("overdue")
    with at(order.due_at + timedelta(minutes=5)):
        result = services.cancellation_request_create(order=order, user=order.buyer, reason=reason)
    assert isinstance(result, Order)
    assert CancellationRequest.objects.count() == 0
    assert_cancelled(order, by="buyer", reason=reason, counts=rules.CANCEL_REASONS[reason].counts_against_seller)


def test_o9_buyer_late_reason_is_immediate_with_negative_rating():
    order = make("overdue")
    with at(order.due_at + timedelta(minutes=5)):
        services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_late")
    assert_cancelled(order, by="buyer", reason="buyer_late", counts=True)


def test_o9_seller_declines_and_the_order_goes_on():
    order = make("in_progress")
    with at(T0 + timedelta(hours=2)):
        request = services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_other")
        services.cancellation_request_answer(request=request, user=order.seller, accept=False)
    request.refresh_from_db()
    assert request.status == CancellationRequest.Status.DECLINED
    order = fresh(order)
    assert order.status == Order.Status.IN_PROGRESS
    assert main_of(order.buyer) == 0
    assert order.events.filter(kind=OrderEvent.Kind.CANCEL_DECLINED, actor=order.seller).exists()
    assert Notification.objects.filter(user=order.buyer, title__contains="declined").exists()
    with at(T0 + timedelta(days=5)):
        assert services.cancellation_requests_autoconfirm() == 0
    assert fresh(order).status == Order.Status.IN_PROGRESS


def test_o9_requester_withdraws_the_request():
    order = make("in_progress")
    with at(T0 + timedelta(hours=2)):
        request = services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_other")
        services.cancellation_request_withdraw(request=request, user=order.buyer)
    request.refresh_from_db()
    assert request.status == CancellationRequest.Status.WITHDRAWN
    assert fresh(order).status == Order.Status.IN_PROGRESS
    with at(T0 + timedelta(days=5)):
        assert services.cancellation_requests_autoconfirm() == 0


def test_o9_requester_cannot_answer_own_request_and_nothing_changes():
    order = make("in_progress")
    with at(T0 + timedelta(hours=2)):
        request = services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_other")
    before = snapshot(order)
    with pytest.raises(services.DomainError, match=exactly("You cannot answer your own cancellation request.")):
        services.cancellation_request_answer(request=request, user=order.buyer, accept=True)
    with pytest.raises(
        services.DomainError, match=exactly("Only the buyer or the seller of this order can answer.")
    ):
        services.cancellation_request_answer(request=request, user=person(), accept=True)
    with pytest.raises(services.DomainError, match="Only the person who asked for the cancellation can withdraw"):
        services.cancellation_request_withdraw(request=request, user=order.seller)
    assert snapshot(order) == before
    request.refresh_from_db()
    assert request.status == CancellationRequest.Status.PENDING


def test_o9_second_request_refused_while_one_waits():
    order = make("in_progress")
    with at(T0 + timedelta(hours=2)):
        services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_other")
        before = snapshot(order)
        with pytest.raises(
            services.DomainError, match=exactly("A cancellation request is already waiting for an answer.")
        ):
            services.cancellation_request_create(order=order, user=order.seller, reason="seller_busy")
        assert selectors.cancellation_reasons_for(order=order, user=order.seller) == []
    assert snapshot(order) == before


def test_o9_answered_request_cannot_be_answered_again():
    order = make("in_progress")
    with at(T0 + timedelta(hours=2)):
        request = services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_other")
        services.cancellation_request_answer(request=request, user=order.seller, accept=False)
    before = snapshot(order)
    with pytest.raises(services.DomainError, match="already been answered"):
        services.cancellation_request_answer(request=request, user=order.seller, accept=True)
    assert snapshot(order) == before


# --- O10: seller reasons ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["seller_misunderstanding", "seller_busy", "seller_other"])
@pytest.mark.parametrize("state", ["new", "in_progress"])
def test_o10_seller_immediate_reasons_cancel_at_once_with_negative_rating(reason, state):
    order = make(state)
    with at(T0 + timedelta(hours=2)):
        result = services.cancellation_request_create(order=order, user=order.seller, reason=reason)
    assert isinstance(result, Order)
    order = assert_cancelled(order, by="seller", reason=reason, counts=True)
    assert Notification.objects.filter(user=order.buyer, title__contains="cancelled").exists()


@pytest.mark.parametrize("reason", ["seller_requirements_mismatch", "seller_no_info"])
def test_o10_before_start_reasons_need_buyer_confirmation_no_rating(reason):
    order = make()
    with at(T0 + timedelta(hours=2)):
        request = services.cancellation_request_create(order=order, user=order.seller, reason=reason)
        assert isinstance(request, CancellationRequest)
        assert Notification.objects.filter(user=order.buyer, kind="cancellation_request").exists()
        services.cancellation_request_answer(request=request, user=order.buyer, accept=True)
    assert_cancelled(order, by="seller", reason=reason, counts=False)


@pytest.mark.parametrize("reason", ["seller_requirements_mismatch", "seller_no_info"])
def test_o10_before_start_reasons_refused_once_work_started(reason):
    order = make("in_progress")
    before = snapshot(order)
    with (
        at(T0 + timedelta(hours=2)),
        pytest.raises(services.DomainError, match=exactly("This reason can only be chosen before work starts.")),
    ):
        services.cancellation_request_create(order=order, user=order.seller, reason=reason)
    assert snapshot(order) == before


def test_o10_no_communication_only_in_progress_after_24h_silence():
    new = make()
    before = snapshot(new)
    with (
        at(T0 + timedelta(hours=30)),
        pytest.raises(services.DomainError, match="only be chosen while the order is in progress"),
    ):
        services.cancellation_request_create(order=new, user=new.seller, reason="seller_no_communication")
    assert snapshot(new) == before
    order = make("in_progress")
    with (
        at(T0 + timedelta(hours=3)),
        pytest.raises(services.DomainError, match="The buyer wrote less than 24 hours ago"),
    ):
        services.cancellation_request_create(order=order, user=order.seller, reason="seller_no_communication")
    with at(T0 + timedelta(hours=26)):
        request = services.cancellation_request_create(
            order=order, user=order.seller, reason="seller_no_communication"
        )
        services.cancellation_request_answer(request=request, user=order.buyer, accept=True)
    assert_cancelled(order, by="seller", reason="seller_no_communication", counts=False)


def test_o10_seller_request_on_overdue_order_still_needs_buyer_confirmation():
    order = make("overdue")
    with at(order.due_at + timedelta(days=1, hours=2)):
        request = services.cancellation_request_create(
            order=order, user=order.seller, reason="seller_no_communication"
        )
    assert isinstance(request, CancellationRequest)
    assert fresh(order).status == Order.Status.IN_PROGRESS


def test_o9_o10_reason_of_the_other_side_or_unknown_is_refused():
    order = make("in_progress")
    before = snapshot(order)
    with (
        at(T0 + timedelta(hours=30)),
        pytest.raises(services.DomainError, match=exactly("This cancellation reason is not available to you.")),
    ):
        services.cancellation_request_create(order=order, user=order.buyer, reason="seller_busy")
        with pytest.raises(services.DomainError, match=exactly("Please choose a reason for the cancellation.")):
            services.cancellation_request_create(order=order, user=order.buyer, reason="because")
        with pytest.raises(
            services.DomainError, match=exactly("Only the buyer or the seller of this order can cancel it.")
        ):
            services.cancellation_request_create(order=order, user=person(), reason="buyer_other")
    assert snapshot(order) == before


def test_o9_cancellation_refused_once_delivered_or_finished():
    order = make("delivered")
    before = snapshot(order)
    with pytest.raises(services.DomainError, match="already been delivered"):
        services.cancellation_request_create(order=order, user=order.buyer, reason="buyer_other")
    assert snapshot(order) == before
    services.order_accept_delivery(order=order, buyer=order.buyer)
    before = snapshot(order)
    with pytest.raises(services.DomainError, match=exactly("This order is already completed.")):
        services.cancellation_request_create(order=order, user=order.seller, reason="seller_busy")
    assert snapshot(order) == before


# --- C7: staff --------------------------------------------------------------------------------------------------


def test_c7_staff_cancel_with_refund_for_prohibited_content():
    order = make("in_progress")
    staff = person()
    staff.groups.add(Group.objects.get(name=account_roles.SUPPORT))
    services.order_cancel_by_staff(order=order, staff_user=staff, reason="Astrology services are prohibited.")
    order = assert_cancelled(order, by="staff", reason=rules.STAFF_PROHIBITED, counts=False)
    assert order.cancel_comment == "Astrology services are prohibited."
    assert Notification.objects.filter(user=order.buyer, title__contains="cancelled").exists()
    assert Notification.objects.filter(user=order.seller, title__contains="cancelled").exists()


def test_c7_non_staff_cannot_use_the_staff_cancel():
    order = make("in_progress")
    before = snapshot(order)
    with pytest.raises(services.DomainError, match=exactly("Only support staff can cancel an order this way.")):
        services.order_cancel_by_staff(order=order, staff_user=order.buyer, reason="x")
    assert snapshot(order) == before


@pytest.mark.parametrize("role", ["moderator", "plain_staff"])
def test_c7_t6_moderators_and_other_staff_cannot_cancel_orders(role):
    """T6: cancelling with a refund is Support's back-office work; a moderator (or a bare is_staff account) is
    refused by the service itself, not only by the pages."""
    order = make("in_progress")
    staff = person()
    staff.is_staff = True
    staff.save()
    if role == "moderator":
        staff.groups.add(Group.objects.get(name=account_roles.MODERATORS))
    before = snapshot(order)
    with pytest.raises(services.DomainError, match=exactly("Only support staff can cancel an order this way.")):
        services.order_cancel_by_staff(order=order, staff_user=staff, reason="Astrology services are prohibited.")
    assert snapshot(order) == before
