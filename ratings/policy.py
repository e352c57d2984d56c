"""Who may do what with feedback now (R1, R2, O11): pure reads, shared by the services (which raise the message)
and the order page (which shows the form only when the answer is None)."""

from datetime import timedelta

from django.utils import timezone

from accounts import roles as account_roles
from orders.models import Order

from . import rules
from .models import BuyerRating, Feedback, FeedbackResponse

ONLY_BUYER = "Only the buyer of this order can leave feedback."
ALREADY_LEFT = "You have already left feedback on this order."
NOT_YET = (
    "Feedback can be left once the order is completed, or after a cancellation that counts against the seller "
    "or an arbitration decision."
)
TOO_LATE = (
    f"The time to leave feedback on this order is over ({rules.FEEDBACK_WINDOW_DAYS} days after it finished)."
)

ONLY_SELLER_RATES = "Only the seller of this order can rate the buyer."
ALREADY_RATED = "You have already rated this buyer for this order."
RATE_NOT_YET = "The buyer can be rated once the order has finished."

ONLY_SELLER_RESPONDS = "Only the seller who received this feedback can respond to it."
ALREADY_RESPONDED = "You have already responded to this feedback."
RESPONSE_FROZEN = "This response is approved and can no longer be changed."
FEEDBACK_REMOVED = "This feedback was removed by our staff."


def finished_at(order):
    if order.status == Order.Status.COMPLETED:
        return order.completed_at
    if order.status == Order.Status.CANCELLED:
        return order.cancelled_at
    return None


def feedback_opens(order):
    """O11: completed; cancelled against the seller; or decided by arbitration (either way)."""
    if order.status == Order.Status.COMPLETED:
        return True
    if order.status == Order.Status.CANCELLED:
        return order.counts_against_seller or order.arbitration_opened_at is not None
    return False


def feedback_deadline(order):
    """Until when the buyer may leave feedback (None while the order cannot take any)."""
    if not feedback_opens(order):
        return None
    return finished_at(order) + timedelta(days=rules.FEEDBACK_WINDOW_DAYS)


def _has(obj, name):
    try:
        return getattr(obj, name) is not None
    except (Feedback.DoesNotExist, FeedbackResponse.DoesNotExist, BuyerRating.DoesNotExist):
        return False


def feedback_refusal(*, order, user, now=None):
    """None when `user` may leave feedback on `order` now, else the reason in words."""
    if user is None or not user.is_authenticated or user.pk != order.buyer_id:
        return ONLY_BUYER
    if _has(order, "feedback"):
        return ALREADY_LEFT
    deadline = feedback_deadline(order)
    if deadline is None:
        return NOT_YET
    if (now or timezone.now()) > deadline:
        return TOO_LATE
    return None


def feedback_allowed(*, order, user, now=None):
    return feedback_refusal(order=order, user=user, now=now) is None


def buyer_rating_refusal(*, order, user):
    if user is None or not user.is_authenticated or user.pk != order.seller_id:
        return ONLY_SELLER_RATES
    if _has(order, "buyer_rating"):
        return ALREADY_RATED
    if finished_at(order) is None:
        return RATE_NOT_YET
    return None


def buyer_rating_allowed(*, order, user):
    return buyer_rating_refusal(order=order, user=user) is None


def response_refusal(*, feedback, user):
    """None when `user` may write (or, after a rejection, rewrite) the response under `feedback`."""
    if user is None or not user.is_authenticated or user.pk != feedback.seller_id:
        return ONLY_SELLER_RESPONDS
    if feedback.removed_at is not None:
        return FEEDBACK_REMOVED
    try:
        response = feedback.response
    except FeedbackResponse.DoesNotExist:
        return None
    if response.status == FeedbackResponse.Status.APPROVED:
        return RESPONSE_FROZEN
    if response.status == FeedbackResponse.Status.PENDING:
        return ALREADY_RESPONDED
    return None  # rejected: the seller may write it again


def response_allowed(*, feedback, user):
    return response_refusal(feedback=feedback, user=user) is None


def may_moderate(user):
    """R2/T6: Moderators (and superusers) approve or reject responses."""
    return user is not None and account_roles.is_moderator(user)


def may_remove_feedback(user):
    """R1/R12: staff (moderators, support, superusers) remove feedback, always with a reason."""
    return user is not None and (account_roles.is_moderator(user) or account_roles.is_support(user))
