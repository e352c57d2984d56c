"""R1/R2/T6 in the admin: moderators approve responses, reject them with a reason (an intermediate page), and
remove feedback with a reason code — every button goes through a service; nothing is editable or deletable."""

import pytest
from django.urls import reverse

from ratings import services
from ratings.models import Feedback, FeedbackRemoval, FeedbackResponse
from tests.factories import in_group
from tests.orders.factories import person
from tests.ratings.factories import completed

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(client):
    moderator = in_group(person(), "Moderators")
    moderator.is_staff = True
    moderator.save(update_fields=["is_staff"])
    client.force_login(moderator)
    client.user = moderator
    return client


def feedback_with_response():
    order = completed()
    feedback = services.feedback_leave(
        order=order, buyer=order.buyer, is_positive=True, text="Very good work, thank you."
    )
    response = services.feedback_response_submit(feedback=feedback, seller=order.seller, text="Thanks a lot!")
    return feedback, response


def test_r2_moderator_approves_a_response_from_the_queue(moderator_client):
    _, response = feedback_with_response()
    url = reverse("admin:ratings_feedbackresponse_changelist")
    page = moderator_client.get(url)
    assert page.status_code == 200 and "Thanks a lot!" in page.text  # the queue shows pending ones first
    moderator_client.post(url, {"action": "approve", "_selected_action": [response.pk]})
    response.refresh_from_db()
    assert response.status == FeedbackResponse.Status.APPROVED and response.moderated_by == moderator_client.user


def test_r2_moderator_rejects_with_a_reason_asked_on_an_intermediate_page(moderator_client):
    _, response = feedback_with_response()
    url = reverse("admin:ratings_feedbackresponse_changelist")
    asked = moderator_client.post(url, {"action": "reject", "_selected_action": [response.pk]})
    assert asked.status_code == 200 and "The seller sees this reason." in asked.text
    response.refresh_from_db()
    assert response.status == FeedbackResponse.Status.PENDING
    moderator_client.post(
        url, {"action": "reject", "_selected_action": [response.pk], "apply": "1", "reason": "Off topic."}
    )
    response.refresh_from_db()
    assert (response.status, response.reject_reason) == (FeedbackResponse.Status.REJECTED, "Off topic.")


def test_r1_moderator_removes_feedback_with_a_reason_code(moderator_client):
    feedback, _ = feedback_with_response()
    url = reverse("admin:ratings_feedback_changelist")
    moderator_client.post(
        url,
        {
            "action": "remove",
            "_selected_action": [feedback.pk],
            "apply": "1",
            "reason": "breaks_rules",
            "note": "",
        },
    )
    feedback.refresh_from_db()
    assert feedback.removal_reason == "breaks_rules" and not feedback.is_visible
    assert FeedbackRemoval.objects.get().staff_user == moderator_client.user


def test_t6_the_admin_cannot_edit_or_delete_feedback(moderator_client):
    feedback, _ = feedback_with_response()
    change = reverse("admin:ratings_feedback_change", args=[feedback.pk])
    moderator_client.post(change, {"text": "Rewritten by staff", "is_positive": "on"})
    assert Feedback.objects.get().text == "Very good work, thank you."
    assert moderator_client.get(reverse("admin:ratings_feedback_delete", args=[feedback.pk])).status_code == 403


def test_t6_people_who_are_not_moderators_do_not_see_responses(client):
    feedback_with_response()
    client.force_login(person())
    response = client.get(reverse("admin:ratings_feedbackresponse_changelist"))
    assert response.status_code == 302  # to the admin's login
