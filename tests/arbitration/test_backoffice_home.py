"""T6: the back-office home (every queue's count and oldest item), search, the user view and the audit log."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import StaffAction
from accounts.services import staff_action_record
from arbitration import tickets
from arbitration.models import Ticket
from tests.factories import UserFactory, in_group, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return in_group(verified(UserFactory(username="agent")), "Support")


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


def ticket(user=None):
    return tickets.ticket_open(
        user=user or verified(UserFactory()), topic=Ticket.Topic.OTHER, subject="Question", text="Hello"
    )


def test_t6_home_shows_every_queue_with_its_count_and_oldest_age(support_client):
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        ticket()
    ticket()
    html = support_client.get("/backoffice/").content.decode()
    for label in ("Support tickets", "Identity checks", "Withdrawals", "Account deletions"):
        assert label in html
    assert 'href="/backoffice/tickets/"' in html and "2\xa0days ago" in html
    assert "withdrawals to review" in html  # the other apps' cards stay


QUERIES = {}


@pytest.mark.parametrize("n", [1, 50])
def test_t6_home_query_count_is_constant(support_client, django_assert_max_num_queries, n):
    user = verified(UserFactory())
    for _ in range(n):
        ticket(user)
    support_client.get("/backoffice/")
    with django_assert_max_num_queries(20) as captured:
        support_client.get("/backoffice/")
    assert len(captured) == QUERIES.setdefault("home", len(captured))


def test_t6_search_finds_a_user_by_login_or_email_and_an_order_by_number(support_client):
    from tests.orders.factories import place

    person = verified(UserFactory(username="findme", email="hidden@example.org"))
    order = place(buyer=person)
    assert "findme" in support_client.get("/backoffice/search/?q=FindMe").content.decode()
    assert "findme" in support_client.get("/backoffice/search/?q=hidden@example").content.decode()
    html = support_client.get(f"/backoffice/search/?q=%23{order.pk}").content.decode()
    assert f"Order #{order.pk}" in html
    assert "No user matches" in support_client.get("/backoffice/search/?q=nobody-like-this").content.decode()
    page = support_client.get(f"/backoffice/users/{person.pk}/").content.decode()
    assert "hidden@example.org" in page and f"#{order.pk}" in page
    assert support_client.get("/backoffice/users/999999/").status_code == 404


def test_t6_audit_log_lists_and_filters_staff_actions(support_client, support):
    other = in_group(verified(UserFactory(username="other-agent")), "Support")
    staff_action_record(actor=support, action="ticket.answer", target=ticket(), reason="first")
    staff_action_record(actor=other, action="identity.rejected", target=ticket(), reason="blurred photo")
    html = support_client.get("/backoffice/audit/").content.decode()
    assert "ticket.answer" in html and "blurred photo" in html
    html = support_client.get("/backoffice/audit/?actor=other-agent").content.decode()
    assert "blurred photo" in html and "<td>ticket.answer</td>" not in html
    html = support_client.get("/backoffice/audit/?action=ticket.answer").content.decode()
    assert "<td>ticket.answer</td>" in html and "blurred photo" not in html
    assert StaffAction.objects.count() == 2


@pytest.mark.parametrize("n", [1, 50])
def test_t6_audit_log_query_count_is_constant(support_client, support, django_assert_max_num_queries, n):
    target = ticket()
    for _ in range(n):
        staff_action_record(actor=support, action="ticket.note", target=target)
    support_client.get("/backoffice/audit/")
    with django_assert_max_num_queries(10) as captured:
        support_client.get("/backoffice/audit/")
    assert len(captured) == QUERIES.setdefault("audit", len(captured))


@pytest.mark.parametrize(
    "url",
    [
        "/backoffice/",
        "/backoffice/search/?q=a",
        "/backoffice/audit/",
        "/backoffice/tickets/",
        "/backoffice/identity/",
    ],
)
@pytest.mark.parametrize("role", ["buyer", "moderator"])
def test_t6_buyers_and_moderators_are_refused(client, url, role):
    person = verified(UserFactory())
    if role == "moderator":
        in_group(person, "Moderators")
    client.force_login(person)
    assert client.get(url).status_code == 403


@pytest.mark.slow
def test_t3_a12_demo_has_an_open_ticket_and_an_identity_check_waiting_once():
    import io

    from django.core.management import call_command

    from accounts.models import IdentityCheck

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert Ticket.objects.filter(user__username="bella", status="open").count() == 1
    assert Ticket.objects.filter(user__username="bella", status="waiting").count() == 1
    assert IdentityCheck.objects.filter(user__username="nina", status="pending").count() == 1
