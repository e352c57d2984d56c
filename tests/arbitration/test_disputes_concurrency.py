"""O12 races on PostgreSQL with real threads: two agents deciding one case, and a decision racing the parties'
matching proposals. Each ends with exactly one outcome and one ledger movement; the ledger checks stay clean."""

import pytest

from accounts.roles import SUPPORT
from arbitration import disputes
from arbitration.models import Dispute, Outcome
from common.errors import DomainError
from payments.models import LedgerTransaction
from tests.arbitration.test_disputes import opened
from tests.concurrency import race
from tests.factories import in_group
from tests.orders.factories import assert_ledger_ok, person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 4


def resolutions(order):
    return LedgerTransaction.objects.filter(
        reference=order.reference,
        kind__in=[
            LedgerTransaction.Kind.ESCROW_RELEASE,
            LedgerTransaction.Kind.ESCROW_REFUND,
            LedgerTransaction.Kind.ESCROW_SPLIT,
        ],
    ).count()


def test_o12_two_agents_deciding_one_case_have_one_outcome():
    agents = [in_group(person(), SUPPORT) for _ in range(2)]
    for _ in range(ROUNDS):
        dispute = opened()

        def decide(agent, outcome, d=dispute):
            disputes.dispute_take(dispute=d, staff_user=agent)
            return disputes.dispute_decide(dispute=d, staff_user=agent, outcome=outcome, reasoning="Decided.")

        results = race(lambda: decide(agents[0], Outcome.SELLER), lambda: decide(agents[1], Outcome.REFUND))
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], DomainError), results
        # The loser either finds the case taken or, a moment later, already closed.
        assert errors[0].message in ("Another agent has taken this case.", "This dispute has already been closed.")
        dispute = Dispute.objects.get(pk=dispute.pk)
        assert dispute.status == Dispute.Status.DECIDED
        assert resolutions(dispute.order) == 1
    assert_ledger_ok()


def test_o12_decision_racing_matching_proposals_has_one_outcome():
    agent = in_group(person(), SUPPORT)
    outcomes = set()
    for _ in range(ROUNDS):
        dispute = opened(outcome=Outcome.SPLIT, refund=300)
        disputes.dispute_take(dispute=dispute, staff_user=agent)
        order = dispute.order
        results = race(
            lambda d=dispute, o=order: disputes.dispute_propose(dispute=d, user=o.seller, refund_cents=300),
            lambda d=dispute: disputes.dispute_decide(
                dispute=d, staff_user=agent, outcome=Outcome.SELLER, reasoning="Work matches."
            ),
        )
        errors = [r for r in results if isinstance(r, Exception)]
        assert all(isinstance(e, DomainError) for e in errors), results
        dispute = Dispute.objects.get(pk=dispute.pk)
        assert dispute.status in (Dispute.Status.DECIDED, Dispute.Status.SETTLED)
        outcomes.add(dispute.status)
        assert resolutions(order) == 1
    assert_ledger_ok()
