"""R3–R11: for random order histories — placements, starts, deliveries, completions by the buyer and by the
timer, the quick cancel, seller cancellations, arbitration decisions, overdue marking, feedback, removals and
private buyer ratings, with time passing — the figures kept up to date by the on-commit recalculation after each
event equal a from-scratch recomputation of everyone (what the nightly pass does)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from common.errors import DomainError
from marketplace.models import Kwork
from marketplace.services.stats import KWORK_FIGURES
from orders import services as order_services
from orders.models import Order
from ratings import reads, services
from ratings.models import BuyerStats, Feedback, SellerStats
from ratings.services.recompute import BUYER_FIELDS, SELLER_FIELDS
from tests.factories import in_group
from tests.orders.factories import kwork_of, person
from tests.support import fund, machine_settings

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
T0 = timezone.datetime(2026, 5, 4, 9, 0, tzinfo=timezone.UTC)
TEXT = "Honest words about this order."
SELLER_FIGURES = [f for f in SELLER_FIELDS if f != "computed_at"]
BUYER_FIGURES = [f for f in BUYER_FIELDS if f != "computed_at"]


def on_commit():
    """Run the on-commit callbacks (the recalculation tasks, eager) as a real commit would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


class RatingsMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._travel = time_machine.travel(T0, tick=False)
        self.clock = self._travel.start()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # rolled back in teardown()
        self.sellers = [person() for _ in range(2)]
        self.kworks = [kwork_of(s, price_cents=1000, lead_time_days=1) for s in self.sellers]
        # The second seller also buys (reciprocal orders, R11 "mostly sells").
        self.buyers = [person(), person(), self.sellers[1]]
        for buyer in self.buyers:
            fund(buyer, 100_000)
        self.staff = in_group(person(), "Support")
        self.moderator = in_group(person(), "Moderators")

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        self._travel.stop()

    def _order(self, index, *states):
        orders = list(Order.objects.filter(status__in=states).order_by("pk")) if states else []
        return orders[index % len(orders)] if orders else None

    def _act(self, action):
        try:
            with on_commit():
                action()
        except DomainError:
            pass

    @rule(buyer=st.integers(0, 2), kwork=st.integers(0, 1))
    def place(self, buyer, kwork):
        if self.buyers[buyer] == self.kworks[kwork].seller:
            return
        self._act(lambda: order_services.order_place(buyer=self.buyers[buyer], kwork=self.kworks[kwork]))

    @rule(buyer=st.integers(0, 1), kwork=st.integers(0, 1))
    def order_through(self, buyer, kwork):
        """A whole order in one step (placed, started, delivered, accepted), so every run has completions."""

        def through():
            order = order_services.order_place(buyer=self.buyers[buyer], kwork=self.kworks[kwork])
            order_services.order_start(order=order, seller=order.seller)
            order_services.order_deliver(order=order, seller=order.seller, message="Done.")
            order_services.order_accept_delivery(order=order, buyer=order.buyer)

        self._act(through)

    @rule(i=st.integers(0, 20))
    def start(self, i):
        order = self._order(i, Order.Status.NEW)
        if order:
            self._act(lambda: order_services.order_start(order=order, seller=order.seller))

    @rule(i=st.integers(0, 20))
    def deliver(self, i):
        order = self._order(i, Order.Status.IN_PROGRESS)
        if order:
            self._act(lambda: order_services.order_deliver(order=order, seller=order.seller, message="Done."))

    @rule(i=st.integers(0, 20))
    def accept(self, i):
        order = self._order(i, Order.Status.DELIVERED)
        if order:
            self._act(lambda: order_services.order_accept_delivery(order=order, buyer=order.buyer))

    @rule(i=st.integers(0, 20))
    def quick_cancel(self, i):
        order = self._order(i, Order.Status.NEW)
        if order:
            self._act(lambda: order_services.order_cancel_quick(order=order, buyer=order.buyer))

    @rule(i=st.integers(0, 20), reason=st.sampled_from(["seller_busy", "seller_other", "seller_misunderstanding"]))
    def seller_cancels(self, i, reason):
        order = self._order(i, Order.Status.NEW, Order.Status.IN_PROGRESS)
        if order:
            self._act(
                lambda: order_services.cancellation_request_create(order=order, user=order.seller, reason=reason)
            )

    @rule(i=st.integers(0, 20), refund=st.sampled_from([0, 300, "all"]))
    def arbitration(self, i, refund):
        order = self._order(i, Order.Status.IN_PROGRESS, Order.Status.DELIVERED)
        if order is None:
            return
        self._act(lambda: order_services.order_open_arbitration(order=order, user=order.buyer, description="Bad."))
        self._act(
            lambda: order_services.order_arbitration_resolve(
                order=order,
                staff_user=self.staff,
                refund_cents=order.total_cents if refund == "all" else refund,
                reasoning="Decided.",
            )
        )

    @rule(hours=st.sampled_from([1, 20, 30, 80]))
    def time_passes(self, hours):
        self.clock.shift(timedelta(hours=hours))
        with on_commit():
            order_services.orders_autocancel_unaccepted()
            order_services.orders_mark_overdue()
            order_services.orders_autocomplete()

    @rule(i=st.integers(0, 20), positive=st.booleans())
    def feedback(self, i, positive):
        order = self._order(i, Order.Status.COMPLETED, Order.Status.CANCELLED)
        if order:
            self._act(
                lambda: services.feedback_leave(order=order, buyer=order.buyer, is_positive=positive, text=TEXT)
            )

    @rule(i=st.integers(0, 20))
    def remove_feedback(self, i):
        feedback = list(Feedback.objects.filter(removed_at__isnull=True).order_by("pk"))
        if feedback:
            item = feedback[i % len(feedback)]
            self._act(
                lambda: services.feedback_remove(feedback=item, staff_user=self.moderator, reason="unrelated")
            )

    @rule(i=st.integers(0, 20), stars=st.integers(1, 5))
    def rate_buyer(self, i, stars):
        order = self._order(i, Order.Status.COMPLETED, Order.Status.CANCELLED)
        if order:
            self._act(lambda: services.buyer_rating_leave(order=order, seller=order.seller, stars=stars))

    def snapshot(self):
        people = {*self.sellers, *self.buyers}
        return (
            {p.pk: [getattr(reads.stats_for(p), f) for f in SELLER_FIGURES] for p in people},
            {p.pk: [getattr(reads.buyer_stats_for(p), f) for f in BUYER_FIGURES] for p in people},
            list(Kwork.objects.order_by("pk").values_list("pk", *KWORK_FIGURES_PRESENT)),
        )

    @invariant()
    def incremental_equals_from_scratch(self):
        incremental = self.snapshot()
        services.ratings_recompute_all()
        assert self.snapshot() == incremental


KWORK_FIGURES_PRESENT = [f for f in KWORK_FIGURES if f in {x.name for x in Kwork._meta.get_fields()}]


def test_r3_r11_incremental_figures_equal_a_from_scratch_recomputation():
    run_state_machine_as_test(RatingsMachine, settings=machine_settings(examples=25, steps=30))


def test_the_machine_sees_figures_at_all():
    """Guard: the snapshot is not trivially empty (rows exist after events)."""
    machine = RatingsMachine()
    try:
        machine.order_through(0, 0)
        machine.feedback(0, True)
        assert SellerStats.objects.filter(seller=machine.sellers[0], positive_count=1).exists()
        assert BuyerStats.objects.filter(buyer=machine.buyers[0], purchases=1).exists()
        machine.incremental_equals_from_scratch()
    finally:
        machine.teardown()
