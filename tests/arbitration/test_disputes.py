"""O12 disputes: opening with evidence (hashed), the other party's answer, proposals that settle at once, taking a
case and deciding it; every refusal with its message and nothing changed. T6: only support decides."""

import hashlib
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import Notification, StaffAction
from accounts.roles import SUPPORT
from accounts.rules import NotificationKind
from arbitration import disputes, rules
from arbitration.models import Dispute, DisputeFile, DisputeProposal, DisputeStatement, Outcome, Side
from common.errors import DomainError
from orders import services as order_services
from orders.models import Order
from payments.models import EscrowHold
from tests.factories import in_group
from tests.orders.factories import assert_ledger_ok, delivered, exactly, fresh, person, place, started
from tests.support import main_of, snapshot

pytestmark = pytest.mark.django_db


def _png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


PNG = _png_bytes()


def png(name="proof.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def support():
    return in_group(person(), SUPPORT)


def dispute_counts():
    return (
        Dispute.objects.count(),
        DisputeStatement.objects.count(),
        DisputeFile.objects.count(),
        DisputeProposal.objects.count(),
        StaffAction.objects.count(),
    )


def opened(state="in_progress", *, by="buyer", outcome=Outcome.REFUND, refund=None, files=()):
    order = started() if state == "in_progress" else delivered()
    user = order.buyer if by == "buyer" else order.seller
    return disputes.dispute_open(
        order=order,
        user=user,
        description="The logo is not what we agreed.",
        asked_outcome=outcome,
        asked_refund_cents=refund,
        files=files,
    )


@pytest.mark.parametrize("state", ["in_progress", "delivered"])
def test_o12_either_party_opens_with_evidence_hashed_money_stays_in_escrow(state):
    dispute = opened(state, by="seller", outcome=Outcome.SELLER, files=[png()])
    order = fresh(dispute.order)
    assert order.status == Order.Status.IN_ARBITRATION
    assert order.escrow_hold.status == EscrowHold.Status.HELD
    assert dispute.opener_side == Side.SELLER and dispute.asked_refund_cents == 0
    assert dispute.answer_by == dispute.created_at + timedelta(hours=rules.DISPUTE_ANSWER_HOURS)
    evidence = DisputeFile.objects.get()
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest() and evidence.name == "proof.png"
    assert not evidence.file.name.endswith("proof.png")  # private, random name
    # The opener's ask is their first proposal; the buyer is told (notification, e-mailed kind).
    assert DisputeProposal.objects.get().side == Side.SELLER
    note = Notification.objects.filter(user=order.buyer, title__contains="opened a dispute").get()
    assert note.kind == NotificationKind.ORDER_STATUS and f"{rules.DISPUTE_ANSWER_HOURS} hours" in note.body
    assert not Notification.objects.filter(
        user=order.buyer, title__contains="sent to arbitration"
    ).exists()  # one notice
    # The chat stays open.
    order_services.order_message_send(order=order, author=order.buyer, text="Still here.")


def test_o12_timers_pause_while_in_arbitration():
    dispute = opened("delivered")
    order = dispute.order
    later = timezone.now() + timedelta(days=60)
    assert order_services.orders_autocomplete(now=later) == 0
    assert order_services.orders_cancel_inactive(now=later) == 0
    assert order_services.orders_mark_overdue(now=later) == 0
    assert fresh(order).status == Order.Status.IN_ARBITRATION


def test_o12_refusals_second_dispute_new_or_finished_order_and_bad_split():
    dispute = opened()
    before, counts = snapshot(dispute.order), dispute_counts()
    with pytest.raises(
        DomainError, match=exactly("This order already has a dispute; add to it on the order page.")
    ):
        disputes.dispute_open(
            order=dispute.order, user=dispute.order.seller, description="x", asked_outcome=Outcome.SELLER
        )
    assert (snapshot(dispute.order), dispute_counts()) == (before, counts)

    new = place()
    before = snapshot(new)
    with pytest.raises(DomainError, match=exactly("Work on this order has not started yet.")):
        disputes.dispute_open(order=new, user=new.buyer, description="x", asked_outcome=Outcome.REFUND)
    assert (snapshot(new), dispute_counts()) == (before, counts)

    finished = delivered()
    order_services.order_accept_delivery(order=finished, buyer=finished.buyer)
    before = snapshot(finished)
    with pytest.raises(DomainError):
        disputes.dispute_open(order=finished, user=finished.buyer, description="x", asked_outcome=Outcome.REFUND)
    assert (snapshot(finished), dispute_counts()) == (before, counts)

    order = started()
    before = snapshot(order)
    for amount in (None, 0, order.total_cents, order.total_cents + 1, -5):
        with pytest.raises(DomainError, match="For a split, the buyer's refund must be more than"):
            disputes.dispute_open(
                order=order,
                user=order.buyer,
                description="x",
                asked_outcome=Outcome.SPLIT,
                asked_refund_cents=amount,
            )
    with pytest.raises(
        DomainError, match=exactly("Only the buyer or the seller of this order can take part in its dispute.")
    ):
        disputes.dispute_open(order=order, user=person(), description="x", asked_outcome=Outcome.REFUND)
    assert (snapshot(order), dispute_counts()) == (before, counts)


def test_o12_the_other_party_answers_once_within_the_deadline():
    dispute = opened()
    order = dispute.order
    with pytest.raises(DomainError, match=exactly("You opened this dispute; the other party answers it.")):
        disputes.dispute_answer(dispute=dispute, user=order.buyer, text="More.")
    disputes.dispute_answer(
        dispute=dispute, user=order.seller, text="I delivered as agreed.", files=[png("a.png")]
    )
    assert dispute.statements.get(side=Side.SELLER).files.count() == 1
    counts = dispute_counts()
    with pytest.raises(DomainError, match=exactly("You have already answered this dispute.")):
        disputes.dispute_answer(dispute=dispute, user=order.seller, text="Again.")
    assert dispute_counts() == counts

    late = opened()
    with (
        time_machine.travel(late.answer_by + timedelta(seconds=1)),
        pytest.raises(DomainError, match="The time to answer this dispute has passed"),
    ):
        disputes.dispute_answer(dispute=late, user=late.order.seller, text="Too late.")
    with time_machine.travel(late.answer_by - timedelta(seconds=1)):
        disputes.dispute_answer(dispute=late, user=late.order.seller, text="Just in time.")


def test_o12_matching_proposals_settle_at_once_without_staff():
    dispute = opened(outcome=Outcome.SPLIT, refund=400)
    order = dispute.order
    disputes.dispute_propose(dispute=dispute, user=order.seller, refund_cents=300)
    assert Dispute.objects.get().status == Dispute.Status.OPEN
    assert fresh(order).status == Order.Status.IN_ARBITRATION
    disputes.dispute_propose(dispute=dispute, user=order.buyer, refund_cents=300)
    dispute = Dispute.objects.get()
    assert dispute.status == Dispute.Status.SETTLED and dispute.decided_by is None
    assert dispute.refund_cents == 300 and dispute.outcome == Outcome.SPLIT and dispute.loser == Side.SELLER
    order = fresh(order)
    assert order.status == Order.Status.COMPLETED and order.escrow_hold.status == EscrowHold.Status.SPLIT
    assert main_of(order.buyer) == 300
    assert Notification.objects.filter(kind=NotificationKind.ARBITRATION_DECISION).count() == 2
    assert_ledger_ok()
    with pytest.raises(DomainError, match=exactly("This dispute has been closed.")):
        disputes.dispute_propose(dispute=dispute, user=order.buyer, refund_cents=100)


def test_o12_proposal_out_of_range_is_refused():
    dispute = opened()
    counts, before = dispute_counts(), snapshot(dispute.order)
    with pytest.raises(DomainError, match="The buyer's refund must be between"):
        disputes.dispute_propose(
            dispute=dispute, user=dispute.order.seller, refund_cents=dispute.order.total_cents + 1
        )
    assert (dispute_counts(), snapshot(dispute.order)) == (counts, before)


def test_t6_o12_take_and_decide_a_split_recorded_and_notified(support):
    dispute = opened(outcome=Outcome.REFUND)
    order = dispute.order
    disputes.dispute_take(dispute=dispute, staff_user=support)
    disputes.dispute_decide(
        dispute=dispute,
        staff_user=support,
        outcome=Outcome.SPLIT,
        refund_cents=250,
        seller_cents=order.total_cents - 250,
        reasoning="Half of the work was usable.",
    )
    dispute = Dispute.objects.get()
    assert dispute.status == Dispute.Status.DECIDED and dispute.decided_by == support
    assert dispute.loser == Side.SELLER and dispute.reasoning == "Half of the work was usable."
    assert main_of(order.buyer) == 250
    assert list(StaffAction.objects.values_list("action", flat=True).order_by("id")) == [
        "dispute.take",
        "dispute.decide",
    ]
    notes = Notification.objects.filter(kind=NotificationKind.ARBITRATION_DECISION)
    assert {n.user_id for n in notes} == {order.buyer_id, order.seller_id}
    assert all("Half of the work was usable." in n.body for n in notes)
    assert_ledger_ok()


@pytest.mark.parametrize(
    ("outcome", "buyer_gets", "loser", "status"),
    [
        (Outcome.SELLER, 0, Side.BUYER, Order.Status.COMPLETED),
        (Outcome.REFUND, None, Side.SELLER, Order.Status.CANCELLED),
    ],
)
def test_o12_decision_all_to_seller_or_full_refund_stores_who_lost(support, outcome, buyer_gets, loser, status):
    dispute = opened()
    order = dispute.order
    disputes.dispute_take(dispute=dispute, staff_user=support)
    disputes.dispute_decide(dispute=dispute, staff_user=support, outcome=outcome, reasoning="Because.")
    dispute = Dispute.objects.get()
    assert dispute.loser == loser and fresh(order).status == status
    assert main_of(order.buyer) == (order.total_cents if buyer_gets is None else buyer_gets)
    assert_ledger_ok()


def test_t6_o12_decision_refusals_change_nothing(support):
    dispute = opened()
    order = dispute.order
    other_agent = in_group(person(), SUPPORT)
    counts, before = dispute_counts(), snapshot(order)
    for user in (order.buyer, order.seller, person()):
        with pytest.raises(DomainError, match=exactly("Only support staff can work on disputes.")):
            disputes.dispute_decide(dispute=dispute, staff_user=user, outcome=Outcome.SELLER, reasoning="x")
        with pytest.raises(DomainError, match=exactly("Only support staff can work on disputes.")):
            disputes.dispute_take(dispute=dispute, staff_user=user)
    with pytest.raises(DomainError, match=exactly("Take this case before deciding it.")):
        disputes.dispute_decide(dispute=dispute, staff_user=support, outcome=Outcome.SELLER, reasoning="x")
    assert (dispute_counts(), snapshot(order)) == (counts, before)

    disputes.dispute_take(dispute=dispute, staff_user=support)
    counts, before = dispute_counts(), snapshot(order)
    with pytest.raises(DomainError, match=exactly("Another agent has taken this case.")):
        disputes.dispute_take(dispute=dispute, staff_user=other_agent)
    with pytest.raises(DomainError, match=exactly("Another agent has taken this case.")):
        disputes.dispute_decide(dispute=dispute, staff_user=other_agent, outcome=Outcome.SELLER, reasoning="x")
    with pytest.raises(DomainError, match="they must add up to the"):
        disputes.dispute_decide(
            dispute=dispute,
            staff_user=support,
            outcome=Outcome.SPLIT,
            refund_cents=100,
            seller_cents=100,
            reasoning="x",
        )
    with pytest.raises(DomainError, match=exactly("Please write the reasoning of the decision.")):
        disputes.dispute_decide(dispute=dispute, staff_user=support, outcome=Outcome.SELLER, reasoning="  ")
    assert (dispute_counts(), snapshot(order)) == (counts, before)
    assert Dispute.objects.get().status == Dispute.Status.OPEN


def test_o12_snapshot_of_the_kwork_is_kept_at_order_time():
    order = started()
    title = order.kwork.title
    order.kwork.title = "Changed later"
    order.kwork.save(update_fields=["title"])
    snap = Order.objects.get(pk=order.pk).kwork_snapshot
    assert snap["title"] == title and snap["price_cents"] > 0 and snap["lines"]


def test_o12_decision_due_counts_working_days():
    friday = timezone.datetime(2026, 12, 4, 10, tzinfo=timezone.UTC)
    assert disputes.decision_due(friday).weekday() == 2  # Friday + 3 working days = Wednesday
