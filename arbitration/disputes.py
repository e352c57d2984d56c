"""Dispute services (O12): open a dispute on an order, answer it, propose a split (equal proposals settle the case
at once), take a case and decide it. Money moves only through orders' resolution hook, which holds the escrow
until the outcome; every service locks the dispute row first and the order second, so a decision and a
settlement racing each other end with one outcome."""

import hashlib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import roles as account_roles
from accounts import services as account_services
from accounts.rules import NotificationKind
from common.errors import DomainError
from common.money import format_cents
from common.uploads import validate_attachment
from orders import services as order_services
from orders.links import order_url
from orders.models import Order

from . import rules
from .models import Dispute, DisputeFile, DisputeProposal, DisputeStatement, Outcome, Side


def decision_due(opened_at):
    """The service level: DISPUTE_DECISION_WORKING_DAYS working days (Monday to Friday) after opening."""
    due, left = opened_at, rules.DISPUTE_DECISION_WORKING_DAYS
    while left:
        due += timedelta(days=1)
        if due.weekday() < 5:
            left -= 1
    return due


def refund_for(*, outcome, total_cents, refund_cents=None):
    """The buyer's refund in cents for an outcome; a split needs an amount strictly between nothing and all."""
    if outcome == Outcome.SELLER:
        return 0
    if outcome == Outcome.REFUND:
        return total_cents
    if outcome != Outcome.SPLIT:
        raise DomainError("Choose an outcome: all to the seller, a full refund, or a split.")
    if isinstance(refund_cents, bool) or not isinstance(refund_cents, int) or not 0 < refund_cents < total_cents:
        raise DomainError(
            f"For a split, the buyer's refund must be more than {format_cents(0)} "
            f"and less than the order's {format_cents(total_cents)}."
        )
    return refund_cents


def outcome_of(*, refund_cents, total_cents):
    if refund_cents == 0:
        return Outcome.SELLER
    return Outcome.REFUND if refund_cents == total_cents else Outcome.SPLIT


def describe(*, refund_cents, total_cents):
    """The outcome in words for the parties (no rule ids, money formatted)."""
    if refund_cents == 0:
        return "All the money goes to the seller."
    if refund_cents == total_cents:
        return f"The buyer gets a full refund of {format_cents(total_cents)}."
    return (
        f"Split: {format_cents(refund_cents)} back to the buyer, "
        f"{format_cents(total_cents - refund_cents)} to the seller's side."
    )


def _clean(text, *, required_message, what):
    text = (text or "").strip()
    if not text:
        raise DomainError(required_message)
    if len(text) > rules.DISPUTE_TEXT_MAX_LENGTH:
        raise DomainError(f"{what} is too long: at most {rules.DISPUTE_TEXT_MAX_LENGTH:,} characters.")
    return text


def _check_evidence(files):
    files = [f for f in (files or ()) if f]
    if len(files) > rules.DISPUTE_MAX_FILES:
        raise DomainError(f"You can attach at most {rules.DISPUTE_MAX_FILES} files.")
    for upload in files:
        try:
            validate_attachment(upload)  # C6: type by content, at most 4 MB each
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    return files


def _store_evidence(statement, files):
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        DisputeFile.objects.create(
            statement=statement,
            file=upload,
            name=upload.name[:200],
            size=upload.size,
            sha256=digest.hexdigest(),
        )


def _side(order, user):
    party = order.party_of(user)
    if party is None:
        raise DomainError("Only the buyer or the seller of this order can take part in its dispute.")
    return Side.BUYER if party == Order.Party.BUYER else Side.SELLER


def _notify(people, *, order, kind, title, body=""):
    account_services.notifications_send_many(
        notifications=[
            {"user": person, "kind": kind, "title": title, "body": body, "url": order_url(order.pk)}
            for person in people
        ]
    )


def _dispute_lock(dispute):
    return Dispute.objects.select_for_update().select_related("order").get(pk=dispute.pk)


@transaction.atomic
def dispute_open(*, order, user, description, asked_outcome, asked_refund_cents=None, files=()):
    """A party sends the order to arbitration with their statement, the outcome they ask for (also their first
    proposal) and evidence. The other party is notified and may answer within DISPUTE_ANSWER_HOURS."""
    if Dispute.objects.filter(order_id=order.pk).exists():
        raise DomainError("This order already has a dispute; add to it on the order page.")
    side = _side(order, user)
    refund = refund_for(outcome=asked_outcome, total_cents=order.total_cents, refund_cents=asked_refund_cents)
    description = _clean(description, required_message="Please describe what went wrong.", what="The description")
    files = _check_evidence(files)
    # Locks the order, refuses other states, moves it to arbitration and writes its history.
    order = order_services.order_open_arbitration(
        order=order, user=user, description=description, notify_other_party=False
    )
    at = timezone.now()
    dispute = Dispute.objects.create(
        order=order,
        opened_by=user,
        opener_side=side,
        asked_outcome=asked_outcome,
        asked_refund_cents=refund,
        created_at=at,
        answer_by=at + timedelta(hours=rules.DISPUTE_ANSWER_HOURS),
    )
    statement = DisputeStatement.objects.create(dispute=dispute, author=user, side=side, text=description)
    _store_evidence(statement, files)
    DisputeProposal.objects.create(dispute=dispute, author=user, side=side, refund_cents=refund, created_at=at)
    _notify(
        [order.other_party(user)],
        order=order,
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk}: the {side} opened a dispute",
        body=(
            f"They ask: {describe(refund_cents=refund, total_cents=order.total_cents)} "
            f"You can answer with your statement and files within {rules.DISPUTE_ANSWER_HOURS} hours, "
            "and propose a split of your own."
        ),
    )
    return dispute


@transaction.atomic
def dispute_answer(*, dispute, user, text, files=()):
    """The other party's statement and evidence, once, before the answer deadline."""
    dispute = _dispute_lock(dispute)
    order = dispute.order
    side = _side(order, user)
    if not dispute.is_open:
        raise DomainError("This dispute has been closed.")
    if side == dispute.opener_side:
        raise DomainError("You opened this dispute; the other party answers it.")
    if dispute.statements.filter(side=side).exists():
        raise DomainError("You have already answered this dispute.")
    if timezone.now() > dispute.answer_by:
        raise DomainError("The time to answer this dispute has passed; support decides on what was filed.")
    text = _clean(text, required_message="Please write your answer.", what="The answer")
    files = _check_evidence(files)
    statement = DisputeStatement.objects.create(dispute=dispute, author=user, side=side, text=text)
    _store_evidence(statement, files)
    _notify(
        [order.other_party(user)],
        order=order,
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk}: the {side} answered the dispute",
    )
    return statement


@transaction.atomic
def dispute_propose(*, dispute, user, refund_cents):
    """A party's split (the buyer's refund in cents, anything from nothing to all). When it equals the other
    party's current proposal, the case settles at once through the same resolution as support's decision."""
    dispute = _dispute_lock(dispute)
    order = dispute.order
    side = _side(order, user)
    if not dispute.is_open:
        raise DomainError("This dispute has been closed.")
    if (
        isinstance(refund_cents, bool)
        or not isinstance(refund_cents, int)
        or not 0 <= refund_cents <= order.total_cents
    ):
        raise DomainError(
            f"The buyer's refund must be between {format_cents(0)} and {format_cents(order.total_cents)}."
        )
    DisputeProposal.objects.update_or_create(
        dispute=dispute,
        side=side,
        defaults={"author": user, "refund_cents": refund_cents, "created_at": timezone.now()},
    )
    other = dispute.proposals.exclude(side=side).first()
    if other is not None and other.refund_cents == refund_cents:
        _close(
            dispute,
            status=Dispute.Status.SETTLED,
            staff_user=None,
            refund_cents=refund_cents,
            reasoning="Both parties agreed on this outcome.",
        )
        return dispute
    _notify(
        [order.other_party(user)],
        order=order,
        kind=NotificationKind.ORDER_STATUS,
        title=f"Order #{order.pk}: the {side} proposes a settlement",
        body=f"{describe(refund_cents=refund_cents, total_cents=order.total_cents)} "
        "Propose the same to settle the dispute at once.",
    )
    return dispute


def _check_support(staff_user):
    if staff_user is None or not (staff_user.is_superuser or account_roles.is_support(staff_user)):
        raise DomainError("Only support staff can work on disputes.")


@transaction.atomic
def dispute_take(*, dispute, staff_user):
    """Support assigns the case to themselves; two agents never work one case."""
    _check_support(staff_user)
    dispute = _dispute_lock(dispute)
    if not dispute.is_open:
        raise DomainError("This dispute has already been closed.")
    if dispute.assigned_to_id == staff_user.pk:
        return dispute
    if dispute.assigned_to_id is not None:
        raise DomainError("Another agent has taken this case.")
    dispute.assigned_to = staff_user
    dispute.assigned_at = timezone.now()
    dispute.save(update_fields=["assigned_to", "assigned_at"])
    account_services.staff_action_record(actor=staff_user, action="dispute.take", target=dispute)
    return dispute


@transaction.atomic
def dispute_decide(*, dispute, staff_user, outcome, refund_cents=None, seller_cents=None, reasoning):
    """Support's final decision on a case they have taken: all to the seller, a full refund, or a split whose two
    parts add up to the escrow; with reasoning; recorded, notified and e-mailed to both parties."""
    _check_support(staff_user)
    dispute = _dispute_lock(dispute)
    if not dispute.is_open:
        raise DomainError("This dispute has already been closed.")
    if dispute.assigned_to_id != staff_user.pk:
        if dispute.assigned_to_id is None:
            raise DomainError("Take this case before deciding it.")
        raise DomainError("Another agent has taken this case.")
    total = dispute.order.total_cents
    if outcome == Outcome.SPLIT:
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in (refund_cents, seller_cents)):
            raise DomainError("Enter both parts of the split.")
        if refund_cents + seller_cents != total:
            raise DomainError(
                f"The two parts add up to {format_cents(refund_cents + seller_cents)}; "
                f"they must add up to the {format_cents(total)} held."
            )
    refund = refund_for(outcome=outcome, total_cents=total, refund_cents=refund_cents)
    reasoning = _clean(
        reasoning, required_message="Please write the reasoning of the decision.", what="The reasoning"
    )
    _close(dispute, status=Dispute.Status.DECIDED, staff_user=staff_user, refund_cents=refund, reasoning=reasoning)
    account_services.staff_action_record(
        actor=staff_user,
        action="dispute.decide",
        target=dispute,
        reason=f"{describe(refund_cents=refund, total_cents=total)} {reasoning}",
    )
    return dispute


def _close(dispute, *, status, staff_user, refund_cents, reasoning):
    order = dispute.order
    order_services.order_arbitration_resolve(
        order=order,
        staff_user=staff_user,
        refund_cents=refund_cents,
        reasoning=reasoning,
        agreed=status == Dispute.Status.SETTLED,
    )
    dispute.status = status
    dispute.decided_by = staff_user
    dispute.decided_at = timezone.now()
    dispute.refund_cents = refund_cents
    dispute.outcome = outcome_of(refund_cents=refund_cents, total_cents=order.total_cents)
    # As ratings reads it: any money back to the buyer is an arbitration the seller lost.
    dispute.loser = Side.SELLER if refund_cents > 0 else Side.BUYER
    dispute.reasoning = reasoning
    dispute.save()
    how = "settled by agreement" if status == Dispute.Status.SETTLED else "decided by support"
    _notify(
        [order.buyer, order.seller],
        order=order,
        kind=NotificationKind.ARBITRATION_DECISION,
        title=f"Order #{order.pk}: the dispute was {how}",
        body=f"{describe(refund_cents=refund_cents, total_cents=order.total_cents)} {reasoning}",
    )
