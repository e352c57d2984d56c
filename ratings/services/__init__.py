"""Every write of the ratings app (SPEC R1–R12, O11, A10), split by use-case family: feedback (feedback,
private buyer ratings, responses and their moderation, staff removal), boosting (R12 flags and the admin
action), recompute (figures of sellers, Kworks and buyers; the nightly pass).

Public API:
    feedback_leave(*, order, buyer, is_positive, text) -> Feedback
    buyer_rating_leave(*, order, seller, stars) -> BuyerRating
    feedback_remove(*, feedback, staff_user, reason, note="") -> Feedback
    feedback_response_submit(*, feedback, seller, text) -> FeedbackResponse
    feedback_response_approve(*, response, moderator) -> FeedbackResponse
    feedback_response_reject(*, response, moderator, reason) -> FeedbackResponse
    boosting_flag_confirm(*, flag, staff_user) / boosting_flag_dismiss(*, flag, staff_user) -> BoostingFlag
    boosting_feedback_remove(*, flags, staff_user) -> int
    seller_stats_recompute(*, seller_ids, now=None) -> int
    buyer_stats_recompute(*, buyer_ids, now=None) -> int
    users_recompute_on_commit(*, seller_ids=(), buyer_ids=()) / orders_recompute_on_commit(*, order_ids)
    ratings_recompute_all(*, now=None, batch_size=..., seller_ids=None) -> int
    ratings_recompute_nightly(*, now=None, batch_size=..., max_batches=None) -> int
"""

from .boosting import boosting_feedback_remove, boosting_flag_confirm, boosting_flag_dismiss, flags_check_feedback
from .feedback import (
    buyer_rating_leave,
    feedback_leave,
    feedback_remove,
    feedback_response_approve,
    feedback_response_reject,
    feedback_response_submit,
)
from .recompute import (
    buyer_stats_recompute,
    orders_recompute_on_commit,
    ratings_recompute_all,
    ratings_recompute_nightly,
    seller_stats_recompute,
    users_recompute,
    users_recompute_on_commit,
)

__all__ = [
    "boosting_feedback_remove",
    "boosting_flag_confirm",
    "boosting_flag_dismiss",
    "buyer_rating_leave",
    "buyer_stats_recompute",
    "feedback_leave",
    "feedback_remove",
    "feedback_response_approve",
    "feedback_response_reject",
    "feedback_response_submit",
    "flags_check_feedback",
    "orders_recompute_on_commit",
    "ratings_recompute_all",
    "ratings_recompute_nightly",
    "seller_stats_recompute",
    "users_recompute",
    "users_recompute_on_commit",
]
