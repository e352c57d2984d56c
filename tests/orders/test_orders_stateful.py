"""O1–O10 with P2/P9: a Hypothesis state machine drives random orders — place, requirements, start, deliver,
revise, accept, the quick cancel and every cancellation reason with its answers, time passing (time-machine) and
the timer sweeps — and after every step checks the ledger invariants (payments.invariants.ledger_problems, the
function `manage.py ledger_check` uses), that every order's escrow matches its state (held while active,
released once on completion, refunded once on cancellation) and every balance against the orders' states."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from common.errors import DomainError
from orders import rules, services
from orders.models import CancellationRequest, Order
from payments import rules as payment_rules
from payments.invariants import ledger_problems
from payments.models import EscrowHold, LedgerTransaction
from payments.services import InsufficientFunds
from tests.orders.factories import kwork_of, person
from tests.support import fund, machine_settings, main_of

# Minutes in CI on a busy machine: pytest-timeout's 300 s (a deadlock guard) would cut the full run short.
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.timeout(1200)]
BUYERS, SELLERS = 2, 2
T0 = timezone.datetime(2026, 5, 4, 9, 0, tzinfo=timezone.UTC)
RESOLUTIONS = [
    LedgerTransaction.Kind.ESCROW_RELEASE,
    LedgerTransaction.Kind.ESCROW_REFUND,
    LedgerTransaction.Kind.ESCROW_SPLIT,
]
SWEEPS = [
    services.orders_autocancel_unaccepted,
    services.orders_mark_overdue,
    services.orders_autocomplete,
    services.orders_cancel_inactive,
    services.cancellation_requests_autoconfirm,
]


class OrdersMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        self._travel = time_machine.travel(T0, tick=False)
        self.clock = self._travel.start()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # each example runs in a savepoint rolled back in teardown()
        self.buyers = [person() for _ in range(BUYERS)]
        self.sellers = [person() for _ in range(SELLERS)]
        self.kworks = [
            kwork_of(s, price_cents=1000 + 500 * i, lead_time_days=1 + i) for i, s in enumerate(self.sellers)
        ]
        self.funded = [0] * BUYERS

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        self._travel.stop()

    def _try(self, order_pk, action):
        """Run an action; on refusal the order's state and the ledger must be exactly as before."""
        before = Order.objects.filter(pk=order_pk).values_list("status", "last_activity_at").get()
        transactions = LedgerTransaction.objects.count()
        try:
            action(Order.objects.get(pk=order_pk))
        except DomainError as exc:
            assert exc.message
            assert Order.objects.filter(pk=order_pk).values_list("status", "last_activity_at").get() == before
            assert LedgerTransaction.objects.count() == transactions

    # --- rules -------------------------------------------------------------------------------------------------

    @rule(who=st.integers(0, BUYERS - 1), cents=st.integers(500, 6000))
    def top_up(self, who, cents):
        fund(self.buyers[who], cents)
        self.funded[who] += cents

    @rule(target=orders, who=st.integers(0, BUYERS - 1), which=st.integers(0, SELLERS - 1), qty=st.integers(1, 3))
    def place(self, who, which, qty):
        buyer, kwork = self.buyers[who], self.kworks[which]
        available = main_of(buyer)
        try:
            order = services.order_place(buyer=buyer, kwork=kwork, quantity=qty)
        except InsufficientFunds as exc:
            assert exc.missing_cents == kwork.price_cents * qty - available
            return None
        assert order.total_cents == kwork.price_cents * qty
        return order.pk

    @rule(order=orders)
    def requirements(self, order):
        if order:
            self._try(order, lambda o: services.order_requirements_send(order=o, buyer=o.buyer, text="Details"))

    @rule(order=orders)
    def start(self, order):
        if order:
            self._try(order, lambda o: services.order_start(order=o, seller=o.seller))

    @rule(order=orders)
    def deliver(self, order):
        if order:
            self._try(order, lambda o: services.order_deliver(order=o, seller=o.seller, message="Result"))

    @rule(order=orders)
    def revise(self, order):
        if order:
            self._try(order, lambda o: services.order_request_revision(order=o, buyer=o.buyer, reason="Again"))

    @rule(order=orders)
    def accept(self, order):
        if order:
            self._try(order, lambda o: services.order_accept_delivery(order=o, buyer=o.buyer))

    @rule(order=orders)
    def quick_cancel(self, order):
        if order:
            self._try(order, lambda o: services.order_cancel_quick(order=o, buyer=o.buyer))

    @rule(order=orders, reason=st.sampled_from(sorted(rules.CANCEL_REASONS)))
    def cancel(self, order, reason):
        if order:
            side = rules.CANCEL_REASONS[reason].side

            def act(o):
                user = o.buyer if side == rules.BUYER else o.seller
                services.cancellation_request_create(order=o, user=user, reason=reason)

            self._try(order, act)

    @rule(order=orders, accept=st.booleans(), withdraw=st.booleans())
    def answer(self, order, accept, withdraw):
        if not order:
            return
        request = CancellationRequest.objects.filter(order_id=order, status="pending").first()
        if request is None:
            return

        def act(o):
            if withdraw:
                services.cancellation_request_withdraw(request=request, user=request.requested_by)
            else:
                other = o.seller if request.side == rules.BUYER else o.buyer
                services.cancellation_request_answer(request=request, user=other, accept=accept)

        self._try(order, act)

    @rule(hours=st.sampled_from([0.25, 1, 6, 23, 25, 49, 73, 24 * 15]))
    def time_passes(self, hours):
        self.clock.shift(timedelta(hours=hours))

    @rule()
    def sweeps(self):
        for sweep in SWEEPS:
            sweep()
            assert sweep() == 0  # idempotent: a second run finds nothing

    # --- invariants -------------------------------------------------------------------------------------------

    @invariant()
    def ledger_holds(self):
        problems = ledger_problems()
        assert problems == [], problems

    @invariant()
    def escrow_matches_every_order(self):
        expected = {
            Order.Status.COMPLETED: EscrowHold.Status.RELEASED,
            Order.Status.CANCELLED: EscrowHold.Status.REFUNDED,
        }
        for status, hold_status in Order.objects.values_list("status", "escrow_hold__status"):
            assert hold_status == expected.get(status, EscrowHold.Status.HELD), (status, hold_status)
        twice = (
            LedgerTransaction.objects.filter(kind__in=RESOLUTIONS)
            .values("reference")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
        )
        assert not twice.exists()

    @invariant()
    def balances_follow_the_orders(self):
        for i, buyer in enumerate(self.buyers):
            spent = sum(
                Order.objects.filter(buyer=buyer)
                .exclude(status=Order.Status.CANCELLED)
                .values_list("total_cents", flat=True)
            )
            assert main_of(buyer) == self.funded[i] - spent
        for seller in self.sellers:
            earned = sum(
                payment_rules.seller_share_cents(total)
                for total in Order.objects.filter(seller=seller, status=Order.Status.COMPLETED).values_list(
                    "total_cents", flat=True
                )
            )
            assert main_of(seller) == earned

    @invariant()
    def deadlines_match_states(self):
        now = timezone.now()
        for order in Order.objects.all():
            if order.status == Order.Status.IN_PROGRESS:
                assert order.due_at is not None and order.started_at is not None
            if order.status == Order.Status.DELIVERED:
                assert order.review_until is not None
            if order.status == Order.Status.CANCELLED:
                assert order.cancelled_at is not None and order.cancelled_by
            if order.status == Order.Status.COMPLETED:
                assert order.completed_at is not None and order.completed_at <= now


def test_o1_o10_p9_random_orders_keep_the_ledger_and_escrow_consistent():
    """CI runs 30 examples; locally HYPOTHESIS_PROFILE=ci does the same, HYPOTHESIS_PROFILE=long more."""
    run_state_machine_as_test(OrdersMachine, settings=machine_settings(examples=30, steps=25))
