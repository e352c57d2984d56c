"""R12: feedback boosting. Suspicions are flagged for Moderators when a feedback arrives — never acted on
automatically. Staff confirm or dismiss a flag; the admin action then removes all the feedback of the confirmed
flags in one go (reason "boosting", with audit rows) and recomputes the sellers' figures.

Heuristics (numbers in rules.py):
- repeat pair: the same buyer and seller finished BOOST_REPEAT_PAIR_MIN_ORDERS orders within
  BOOST_REPEAT_PAIR_WINDOW_DAYS;
- reciprocal: the seller has also bought from this buyer (A buys from B and B from A);
- young buyer: positive feedback from an account younger than BOOST_YOUNG_ACCOUNT_DAYS;
- similar text: a text at least BOOST_SIMILAR_TEXT_RATIO alike (difflib) to one of the seller's latest
  BOOST_SIMILAR_TEXT_LOOKBACK feedbacks from other buyers (texts shorter than BOOST_SIMILAR_TEXT_MIN_LENGTH are
  alike by nature and skipped).
One flag per suspicion (its `key`): a later order or feedback joins the open flag; a dismissed one stays
dismissed."""

from datetime import timedelta
from difflib import SequenceMatcher

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.errors import DomainError
from orders.models import Order

from .. import policy, rules
from ..models import BoostingFlag, Feedback
from .recompute import seller_stats_recompute

Kind = BoostingFlag.Kind
FINISHED = (Order.Status.COMPLETED, Order.Status.CANCELLED)


def flag_raise(*, kind, key, seller_id, buyer_id=None, detail="", feedback_ids=(), order_ids=()):
    flag, _ = BoostingFlag.objects.get_or_create(
        key=key, defaults={"kind": kind, "seller_id": seller_id, "buyer_id": buyer_id, "detail": detail}
    )
    if flag.status == BoostingFlag.Status.OPEN:
        if feedback_ids:
            flag.feedback.add(*feedback_ids)
        if order_ids:
            flag.orders.add(*order_ids)
    return flag


def _normalised(text):
    return " ".join(text.lower().split())


def flags_check_feedback(*, feedback):
    """Run the heuristics for a new feedback; returns the flags raised or joined."""
    flags = []
    at = feedback.created_at
    buyer_id, seller_id = feedback.buyer_id, feedback.seller_id
    pair = f"{buyer_id}:{seller_id}"

    since = at - timedelta(days=rules.BOOST_REPEAT_PAIR_WINDOW_DAYS)
    recent = list(
        Order.objects.filter(buyer_id=buyer_id, seller_id=seller_id, status__in=FINISHED)
        .filter(Q(completed_at__gte=since) | Q(cancelled_at__gte=since))
        .values_list("pk", flat=True)
    )
    if len(recent) >= rules.BOOST_REPEAT_PAIR_MIN_ORDERS:
        flags.append(
            flag_raise(
                kind=Kind.REPEAT_PAIR,
                key=f"repeat_pair:{pair}",
                seller_id=seller_id,
                buyer_id=buyer_id,
                detail=f"{len(recent)} orders between the same people within "
                f"{rules.BOOST_REPEAT_PAIR_WINDOW_DAYS} days.",
                feedback_ids=[feedback.pk],
                order_ids=recent,
            )
        )

    back = list(Order.objects.filter(buyer_id=seller_id, seller_id=buyer_id).values_list("pk", flat=True)[:50])
    if back:
        low, high = sorted((buyer_id, seller_id))
        flags.append(
            flag_raise(
                kind=Kind.RECIPROCAL,
                key=f"reciprocal:{low}:{high}",
                seller_id=seller_id,
                buyer_id=buyer_id,
                detail="The seller has also bought from this buyer.",
                feedback_ids=[feedback.pk],
                order_ids=[feedback.order_id, *back],
            )
        )

    if feedback.is_positive and feedback.buyer.date_joined > at - timedelta(days=rules.BOOST_YOUNG_ACCOUNT_DAYS):
        flags.append(
            flag_raise(
                kind=Kind.YOUNG_BUYER,
                key=f"young_buyer:{pair}",
                seller_id=seller_id,
                buyer_id=buyer_id,
                detail=f"Positive feedback from an account younger than {rules.BOOST_YOUNG_ACCOUNT_DAYS} days.",
                feedback_ids=[feedback.pk],
                order_ids=[feedback.order_id],
            )
        )

    text = _normalised(feedback.text)
    if len(text) >= rules.BOOST_SIMILAR_TEXT_MIN_LENGTH:
        others = (
            Feedback.objects.filter(seller_id=seller_id, removed_at__isnull=True)
            .exclude(buyer_id=buyer_id)
            .exclude(pk=feedback.pk)
            .order_by("-created_at", "-id")
            .values_list("pk", "order_id", "text")[: rules.BOOST_SIMILAR_TEXT_LOOKBACK]
        )
        for other_pk, other_order, other_text in others:
            if SequenceMatcher(None, text, _normalised(other_text)).ratio() >= rules.BOOST_SIMILAR_TEXT_RATIO:
                flags.append(
                    flag_raise(
                        kind=Kind.SIMILAR_TEXT,
                        key=f"similar_text:{seller_id}:{min(other_pk, feedback.pk)}",
                        seller_id=seller_id,
                        detail="Feedback texts from different buyers are nearly identical.",
                        feedback_ids=[feedback.pk, other_pk],
                        order_ids=[feedback.order_id, other_order],
                    )
                )
                break
    return flags


def _decide(flag, staff_user, status):
    if not policy.may_remove_feedback(staff_user):
        raise DomainError("Only our staff can decide on boosting suspicions.")
    flag = BoostingFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != BoostingFlag.Status.OPEN:
        raise DomainError("This suspicion has already been decided.")
    flag.status = status
    flag.decided_by = staff_user
    flag.decided_at = timezone.now()
    flag.save(update_fields=["status", "decided_by", "decided_at"])
    return flag


@transaction.atomic
def boosting_flag_confirm(*, flag, staff_user):
    return _decide(flag, staff_user, BoostingFlag.Status.CONFIRMED)


@transaction.atomic
def boosting_flag_dismiss(*, flag, staff_user):
    return _decide(flag, staff_user, BoostingFlag.Status.DISMISSED)


@transaction.atomic
def boosting_feedback_remove(*, flags, staff_user):
    """R12: remove every still-visible feedback of these confirmed flags in one action (reason "boosting",
    one audit row each), then recompute the sellers concerned. Returns the number of feedbacks removed."""
    from .feedback import feedback_remove

    if not policy.may_remove_feedback(staff_user):
        raise DomainError("Only our staff can remove feedback.")
    flag_ids = [flag.pk for flag in flags]
    if BoostingFlag.objects.filter(pk__in=flag_ids).exclude(status=BoostingFlag.Status.CONFIRMED).exists():
        raise DomainError("Only confirmed boosting can be removed: confirm the suspicion first.")
    feedback = (
        Feedback.objects.filter(boosting_flags__in=flag_ids, removed_at__isnull=True).distinct().order_by("pk")
    )
    sellers = set()
    removed = 0
    for item in feedback:
        feedback_remove(feedback=item, staff_user=staff_user, reason=Feedback.RemovalReason.BOOSTING)
        sellers.add(item.seller_id)
        removed += 1
    seller_stats_recompute(seller_ids=sellers)
    return removed
