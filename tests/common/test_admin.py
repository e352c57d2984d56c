"""The one admin-action runner: a service per selected row, every success counted, every refusal named."""

import pytest

from accounts.models import Badge, User, UserBadge
from common.admin import admin_action_run
from common.errors import DomainError
from tests.factories import UserFactory


class _Admin:
    def __init__(self):
        self.messages = []

    def message_user(self, request, message, level):
        self.messages.append(message)


@pytest.mark.django_db
def test_runner_calls_the_service_per_row_and_reports_successes_and_each_refusal():
    users = [UserFactory(), UserFactory(), UserFactory()]
    called = []

    def call(user):
        called.append(user.pk)
        if user.pk == users[1].pk:
            raise DomainError("This account is already closed.")

    admin = _Admin()
    done = admin_action_run(
        admin,
        None,
        User.objects.filter(pk__in=[u.pk for u in users]),
        call=call,
        done_message=lambda n: f"{n} account(s) closed.",
    )
    assert done == 2
    assert called == sorted(u.pk for u in users)
    assert admin.messages == ["2 account(s) closed.", f"User #{users[1].pk}: This account is already closed."]


def test_the_user_inline_grants_badges_through_the_service(admin_client, user):
    badge = Badge.objects.get(code="bug-finder")
    prefix = "badges"
    response = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    form = response.context["adminform"].form
    skip = {"avatar", "password", "groups", "user_permissions"}
    data = {name: value for name, value in form.initial.items() if value is not None and name not in skip}
    data.update(
        {
            "username": user.username,
            "email": user.email,
            "mode": user.mode,
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-badge": badge.pk,
            f"{prefix}-0-note": "Found the cart bug",
        }
    )
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    granted = UserBadge.objects.get(user=user, badge=badge)
    assert granted.note == "Found the cart bug"
    assert user.notifications.filter(kind="badge").exists()
