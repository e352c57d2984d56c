"""Feedback (R1, O11), the seller's private rating of the buyer (R1), responses and their moderation (R2), and
staff removal with an audit row (R1, R12). Each service locks the row it changes, checks who may act through
ratings.policy (the same words the order page shows), writes, and queues the recalculation on commit."""

from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.rules import NotificationKind
from common.errors import DomainError
from orders.links import order_url
from orders.lock_objects import order_lock

from .. import policy, rules
from ..models import BuyerRating, Feedback, FeedbackRemoval, FeedbackResponse
from ..texts import clean_public_text
from . import boosting
from .recompute import users_recompute_on_commit

CHOOSE_LIKE = "Please choose like or dislike."
CHOOSE_STARS = f"Please choose from {rules.BUYER_RATING_MIN} to {rules.BUYER_RATING_MAX} stars."
CHOOSE_REASON = "Please choose the reason for removing this feedback."
ALREADY_REMOVED = "This feedback has already been removed."
STAFF_ONLY = "Only our staff can remove feedback."
MODERATORS_ONLY = "Only moderators can moderate responses."
NOT_PENDING = "Only a response waiting for moderation can be approved or rejected."
REJECT_REASON_NEEDED = "Please give a reason for the rejection."


def _refuse(message):
    if message:
        raise DomainError(message)


@transaction.atomic
def feedback_leave(*, order, buyer, is_positive, text):
    """R1/O11: the buyer's like or dislike and text, once per order, within FEEDBACK_WINDOW_DAYS of its end."""
    order = order_lock(order)
    _refuse(policy.feedback_refusal(order=order, user=buyer))
    if not isinstance(is_positive, bool):
        raise DomainError(CHOOSE_LIKE, field="is_positive")
    text = clean_public_text(
        text,
        what="The feedback",
        min_length=rules.FEEDBACK_TEXT_MIN_LENGTH,
        max_length=rules.FEEDBACK_TEXT_MAX_LENGTH,
        required_message="Please write a few words about the work.",
    )
    feedback = Feedback.objects.create(
        order=order,
        kwork_id=order.kwork_id,
        seller_id=order.seller_id,
        buyer_id=order.buyer_id,
        is_positive=is_positive,
        text=text,
    )
    account_services.notification_send(
        user=order.seller,
        kind=NotificationKind.NEW_FEEDBACK,
        title=f"{'Positive' if is_positive else 'Negative'} feedback on order #{order.pk}",
        body=text[:140],
        url=order_url(order.pk),
    )
    boosting.flags_check_feedback(feedback=feedback)
    users_recompute_on_commit(seller_ids=[order.seller_id])
    return feedback


@transaction.atomic
def buyer_rating_leave(*, order, seller, stars):
    """R1: the seller's private 1–5 rating of the buyer, once per finished order."""
    order = order_lock(order)
    _refuse(policy.buyer_rating_refusal(order=order, user=seller))
    if isinstance(stars, bool) or not isinstance(stars, int):
        raise DomainError(CHOOSE_STARS, field="stars")
    if not rules.BUYER_RATING_MIN <= stars <= rules.BUYER_RATING_MAX:
        raise DomainError(CHOOSE_STARS, field="stars")
    rating = BuyerRating.objects.create(
        order=order, seller_id=order.seller_id, buyer_id=order.buyer_id, stars=stars
    )
    users_recompute_on_commit(buyer_ids=[order.buyer_id])
    return rating


def _feedback_lock(feedback):
    pk = feedback.pk if isinstance(feedback, Feedback) else feedback
    return Feedback.objects.select_for_update().select_related("order").get(pk=pk)


@transaction.atomic
def feedback_remove(*, feedback, staff_user, reason, note=""):
    """R1/R12: staff hide a feedback, always with a reason code; an audit row records who, when and why. The
    seller's figures are recomputed; the profile counts removed feedback."""
    if not policy.may_remove_feedback(staff_user):
        raise DomainError(STAFF_ONLY)
    if reason not in Feedback.RemovalReason.values:
        raise DomainError(CHOOSE_REASON, field="reason")
    feedback = _feedback_lock(feedback)
    if feedback.removed_at is not None:
        raise DomainError(ALREADY_REMOVED)
    feedback.removed_at = timezone.now()
    feedback.removed_by = staff_user
    feedback.removal_reason = reason
    feedback.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    FeedbackRemoval.objects.create(
        feedback=feedback, staff_user=staff_user, reason=reason, note=(note or "").strip()
    )
    users_recompute_on_commit(seller_ids=[feedback.seller_id])
    return feedback


@transaction.atomic
def feedback_response_submit(*, feedback, seller, text):
    """R2: the seller's one public response under a feedback; it waits for a moderator. After a rejection the
    seller may write it again (the same row goes back to the queue); once approved it is frozen."""
    feedback = _feedback_lock(feedback)
    _refuse(policy.response_refusal(feedback=feedback, user=seller))
    text = clean_public_text(
        text,
        what="The response",
        min_length=1,
        max_length=rules.RESPONSE_TEXT_MAX_LENGTH,
        required_message="Please write your response.",
    )
    response = FeedbackResponse.objects.filter(feedback=feedback).first()
    if response is None:
        return FeedbackResponse.objects.create(feedback=feedback, text=text)
    response.text = text
    response.status = FeedbackResponse.Status.PENDING
    response.reject_reason = ""
    response.moderated_by = None
    response.moderated_at = None
    response.created_at = timezone.now()
    response.save()
    return response


def _response_lock(response, moderator):
    if not policy.may_moderate(moderator):
        raise DomainError(MODERATORS_ONLY)
    pk = response.pk if isinstance(response, FeedbackResponse) else response
    response = FeedbackResponse.objects.select_for_update().select_related("feedback").get(pk=pk)
    if response.status != FeedbackResponse.Status.PENDING:
        raise DomainError(NOT_PENDING)
    return response


def _notify_seller(response, title, body=""):
    account_services.notification_send(
        user=response.feedback.seller,
        kind=NotificationKind.NEW_FEEDBACK,
        title=title,
        body=body,
        url=order_url(response.feedback.order_id),
    )


@transaction.atomic
def feedback_response_approve(*, response, moderator):
    """R2: a moderator publishes the response; from now on nobody can change it."""
    response = _response_lock(response, moderator)
    response.status = FeedbackResponse.Status.APPROVED
    response.moderated_by = moderator
    response.moderated_at = timezone.now()
    response.save(update_fields=["status", "moderated_by", "moderated_at"])
    _notify_seller(response, f"Your response to the feedback on order #{response.feedback.order_id} is published")
    return response


@transaction.atomic
def feedback_response_reject(*, response, moderator, reason):
    """R2: a moderator rejects the response with a reason the seller sees; the seller may write it again."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(REJECT_REASON_NEEDED, field="reason")
    if len(reason) > rules.RESPONSE_REJECT_REASON_MAX_LENGTH:
        raise DomainError(
            f"The reason is too long: at most {rules.RESPONSE_REJECT_REASON_MAX_LENGTH:,} characters.",
            field="reason",
        )
    response = _response_lock(response, moderator)
    response.status = FeedbackResponse.Status.REJECTED
    response.reject_reason = reason
    response.moderated_by = moderator
    response.moderated_at = timezone.now()
    response.save(update_fields=["status", "reject_reason", "moderated_by", "moderated_at"])
    _notify_seller(
        response, f"Your response to the feedback on order #{response.feedback.order_id} was not published", reason
    )
    return response
