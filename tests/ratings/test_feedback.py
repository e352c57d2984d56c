"""R1/O11 feedback, R1 private buyer ratings, R2 responses and their moderation, staff removal with audit: who may
act, when, with which words when refused, and that a refusal changes nothing."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Notification
from common.errors import DomainError
from orders import services as order_services
from ratings import policy, rules, services
from ratings.models import BuyerRating, Feedback, FeedbackRemoval, FeedbackResponse
from tests.factories import in_group
from tests.orders.factories import delivered, person, place, started
from tests.ratings.factories import cancelled_by_seller, completed, quick_cancelled

pytestmark = pytest.mark.django_db
TEXT = "Clean work, delivered as promised and on time."


def exactly(message):
    return "^" + re.escape(message) + "$"


def leave(order, *, user=None, positive=True, text=TEXT):
    return services.feedback_leave(order=order, buyer=user or order.buyer, is_positive=positive, text=text)


def moderator():
    return in_group(person(), "Moderators")


# --- R1 / O11: when feedback may be left ------------------------------------------------------------------------


def test_r1_buyer_leaves_feedback_once_the_order_completes_and_the_seller_is_told():
    order = completed()
    assert policy.feedback_allowed(order=order, user=order.buyer)
    feedback = leave(order)
    assert (feedback.kwork_id, feedback.seller_id, feedback.buyer_id) == (
        order.kwork_id,
        order.seller_id,
        order.buyer_id,
    )
    assert feedback.is_positive and feedback.text == TEXT and feedback.is_visible
    assert Notification.objects.filter(user=order.seller, kind="new_feedback").exists()


def test_r1_a_dislike_is_feedback_too():
    assert leave(completed(), positive=False).is_positive is False


def test_o11_feedback_after_a_cancellation_that_counts_against_the_seller():
    order = cancelled_by_seller("seller_busy")
    assert order.counts_against_seller
    assert leave(order, positive=False).pk


def test_o11_no_feedback_after_a_cancellation_without_rating_effect():
    order = quick_cancelled()
    with pytest.raises(DomainError, match=exactly(policy.NOT_YET)):
        leave(order)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("make", [place, started, delivered])
def test_r1_no_feedback_while_the_order_is_still_going(make):
    order = make()
    assert policy.feedback_refusal(order=order, user=order.buyer) == policy.NOT_YET
    with pytest.raises(DomainError, match=exactly(policy.NOT_YET)):
        leave(order)
    assert not Feedback.objects.exists()


def test_o11_feedback_after_an_arbitration_decision():
    order = started()
    order_services.order_open_arbitration(order=order, user=order.buyer, description="Nothing was delivered.")
    staff = in_group(person(), "Support")
    order = order_services.order_arbitration_resolve(
        order=order, staff_user=staff, refund_cents=order.total_cents, reasoning="No delivery at all."
    )
    assert leave(order, positive=False).pk


def test_r1_second_feedback_is_refused_and_the_first_stays():
    order = completed()
    first = leave(order)
    with pytest.raises(DomainError, match=exactly(policy.ALREADY_LEFT)):
        leave(order, positive=False, text="Changed my mind about this order entirely.")
    assert list(Feedback.objects.values_list("pk", "is_positive", "text")) == [(first.pk, True, TEXT)]


def test_r1_feedback_by_the_seller_or_a_stranger_is_refused():
    order = completed()
    for user in (order.seller, person()):
        with pytest.raises(DomainError, match=exactly(policy.ONLY_BUYER)):
            leave(order, user=user)
    assert not Feedback.objects.exists()


def test_r1_feedback_window_is_14_days_after_the_order_finished():
    order = completed()
    deadline = order.completed_at + timedelta(days=rules.FEEDBACK_WINDOW_DAYS)
    assert policy.feedback_deadline(order) == deadline
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        with pytest.raises(DomainError, match=exactly(policy.TOO_LATE)):
            leave(order)
        assert not Feedback.objects.exists()
    with time_machine.travel(deadline, tick=False):
        assert leave(order).pk


@pytest.mark.parametrize(
    ("positive", "text", "message"),
    [
        (None, TEXT, "Please choose like or dislike."),
        (True, "   ", "Please write a few words about the work."),
        (True, "Good", f"Please write at least {rules.FEEDBACK_TEXT_MIN_LENGTH} characters."),
        (
            True,
            "x" * (rules.FEEDBACK_TEXT_MAX_LENGTH + 1),
            f"The feedback is too long: at most {rules.FEEDBACK_TEXT_MAX_LENGTH:,} characters.",
        ),
        (True, "Great work, write me at me@example.com next time", None),
        (
            True,
            "Great work but the seller is a b1tch honestly",
            "Please keep it polite: the text contains a rude word.",
        ),
    ],
)
def test_r1_feedback_text_checks_length_contacts_m3_and_profanity(positive, text, message):
    order = completed()
    with pytest.raises(DomainError) as refused:
        leave(order, positive=positive, text=text)
    if message:
        assert refused.value.message == message
    else:
        assert "contact details" in refused.value.message
    assert not Feedback.objects.exists()


# --- R1: the seller's private rating of the buyer ---------------------------------------------------------------


def test_r1_seller_rates_the_buyer_privately_once():
    order = completed()
    rating = services.buyer_rating_leave(order=order, seller=order.seller, stars=4)
    assert (rating.buyer_id, rating.stars) == (order.buyer_id, 4)
    with pytest.raises(DomainError, match=exactly(policy.ALREADY_RATED)):
        services.buyer_rating_leave(order=order, seller=order.seller, stars=1)
    assert list(BuyerRating.objects.values_list("stars", flat=True)) == [4]


@pytest.mark.parametrize("stars", [0, 6, "5", True, None])
def test_r1_buyer_rating_is_1_to_5(stars):
    order = completed()
    with pytest.raises(DomainError, match=exactly("Please choose from 1 to 5 stars.")):
        services.buyer_rating_leave(order=order, seller=order.seller, stars=stars)
    assert not BuyerRating.objects.exists()


def test_r1_only_the_seller_rates_the_buyer_and_only_after_the_order_finished():
    order = completed()
    with pytest.raises(DomainError, match=exactly(policy.ONLY_SELLER_RATES)):
        services.buyer_rating_leave(order=order, seller=order.buyer, stars=5)
    going = started()
    with pytest.raises(DomainError, match=exactly(policy.RATE_NOT_YET)):
        services.buyer_rating_leave(order=going, seller=going.seller, stars=5)
    assert not BuyerRating.objects.exists()


# --- R2: responses ------------------------------------------------------------------------------------------------


def test_r2_seller_responds_once_a_moderator_approves_and_it_is_frozen():
    feedback = leave(completed())
    response = services.feedback_response_submit(feedback=feedback, seller=feedback.seller, text="Thank you!")
    assert response.status == FeedbackResponse.Status.PENDING
    with pytest.raises(DomainError, match=exactly(policy.ALREADY_RESPONDED)):
        services.feedback_response_submit(feedback=feedback, seller=feedback.seller, text="Another one")
    services.feedback_response_approve(response=response, moderator=moderator())
    response.refresh_from_db()
    assert response.status == FeedbackResponse.Status.APPROVED and response.moderated_at
    with pytest.raises(DomainError, match=exactly(policy.RESPONSE_FROZEN)):
        services.feedback_response_submit(feedback=feedback, seller=feedback.seller, text="Edited")
    with pytest.raises(DomainError, match=exactly(services.feedback.NOT_PENDING)):
        services.feedback_response_reject(response=response, moderator=moderator(), reason="Too late")
    response.refresh_from_db()
    assert (response.text, response.status) == ("Thank you!", FeedbackResponse.Status.APPROVED)


def test_r2_response_by_someone_else_is_refused():
    feedback = leave(completed())
    for user in (feedback.buyer, person()):
        with pytest.raises(DomainError, match=exactly(policy.ONLY_SELLER_RESPONDS)):
            services.feedback_response_submit(feedback=feedback, seller=user, text="Not mine to answer")
    assert not FeedbackResponse.objects.exists()


def test_r2_rejection_needs_a_reason_the_seller_sees_and_the_seller_may_write_again():
    feedback = leave(completed())
    response = services.feedback_response_submit(feedback=feedback, seller=feedback.seller, text="Thanks")
    mod = moderator()
    with pytest.raises(DomainError, match=exactly(services.feedback.REJECT_REASON_NEEDED)):
        services.feedback_response_reject(response=response, moderator=mod, reason=" ")
    services.feedback_response_reject(response=response, moderator=mod, reason="Please stay on topic.")
    response.refresh_from_db()
    assert (
        response.status == FeedbackResponse.Status.REJECTED and response.reject_reason == "Please stay on topic."
    )
    assert Notification.objects.filter(user=feedback.seller, body="Please stay on topic.").exists()
    again = services.feedback_response_submit(feedback=feedback, seller=feedback.seller, text="Thank you, truly.")
    assert (again.pk, again.status, again.reject_reason) == (response.pk, FeedbackResponse.Status.PENDING, "")


def test_r2_only_moderators_moderate_responses():
    feedback = leave(completed())
    response = services.feedback_response_submit(feedback=feedback, seller=feedback.seller, text="Thanks")
    for user in (feedback.seller, feedback.buyer, person()):
        with pytest.raises(DomainError, match=exactly(services.feedback.MODERATORS_ONLY)):
            services.feedback_response_approve(response=response, moderator=user)
    response.refresh_from_db()
    assert response.status == FeedbackResponse.Status.PENDING


def test_r2_response_text_has_the_same_checks():
    feedback = leave(completed())
    with pytest.raises(DomainError, match="contact details"):
        services.feedback_response_submit(feedback=feedback, seller=feedback.seller, text="Call +1 202 555 0187")
    assert not FeedbackResponse.objects.exists()


# --- R1: staff removal ------------------------------------------------------------------------------------------


def test_r1_staff_remove_feedback_only_with_a_reason_and_an_audit_row():
    feedback = leave(completed())
    mod = moderator()
    with pytest.raises(DomainError, match=exactly(services.feedback.CHOOSE_REASON)):
        services.feedback_remove(feedback=feedback, staff_user=mod, reason="dislike")
    services.feedback_remove(feedback=feedback, staff_user=mod, reason="unrelated", note="About another order")
    feedback.refresh_from_db()
    assert not feedback.is_visible and feedback.removal_reason == "unrelated" and feedback.removed_by == mod
    audit = FeedbackRemoval.objects.get()
    assert (audit.feedback_id, audit.staff_user_id, audit.reason, audit.note) == (
        feedback.pk,
        mod.pk,
        "unrelated",
        "About another order",
    )
    with pytest.raises(DomainError, match=exactly(services.feedback.ALREADY_REMOVED)):
        services.feedback_remove(feedback=feedback, staff_user=mod, reason="breaks_rules")
    assert FeedbackRemoval.objects.count() == 1


def test_r1_people_who_are_not_staff_cannot_remove_feedback():
    feedback = leave(completed())
    for user in (feedback.seller, feedback.buyer, person()):
        with pytest.raises(DomainError, match=exactly(services.feedback.STAFF_ONLY)):
            services.feedback_remove(feedback=feedback, staff_user=user, reason="breaks_rules")
    feedback.refresh_from_db()
    assert feedback.is_visible and not FeedbackRemoval.objects.exists()


def test_r2_no_response_under_removed_feedback():
    feedback = leave(completed())
    services.feedback_remove(feedback=feedback, staff_user=moderator(), reason="breaks_rules")
    with pytest.raises(DomainError, match=exactly(policy.FEEDBACK_REMOVED)):
        services.feedback_response_submit(feedback=feedback, seller=feedback.seller, text="Hello")


def test_r1_support_staff_may_remove_feedback_too():
    feedback = leave(completed())
    services.feedback_remove(feedback=feedback, staff_user=in_group(person(), "Support"), reason="breaks_rules")
    assert Feedback.objects.get().removed_at <= timezone.now()
