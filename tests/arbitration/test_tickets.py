"""T3: support tickets, from the help page and an order page to Support's answer and the automatic closing."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import Notification, StaffAction
from arbitration import rules, tickets
from arbitration.models import Ticket, TicketAttachment, TicketMessage
from common.errors import DomainError
from tests.factories import UserFactory, in_group, verified

pytestmark = pytest.mark.django_db


def png(name="screen.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def support():
    return in_group(verified(UserFactory(username="agent")), "Support")


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


def opened(user=None, **kwargs):
    kwargs.setdefault("topic", Ticket.Topic.PAYMENTS)
    kwargs.setdefault("subject", "Where is my withdrawal?")
    kwargs.setdefault("text", "I asked for it a week ago.")
    return tickets.ticket_open(user=user or verified(UserFactory()), **kwargs)


def test_t3_help_page_links_to_a_new_ticket(client):
    assert 'href="/support/tickets/new/"' in client.get("/rules/support/").content.decode()


def test_t3_user_opens_a_ticket_with_a_file_and_support_is_emailed(
    user_client, user, support, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(
            "/support/tickets/new/",
            {"topic": "payments", "subject": "Withdrawal late", "text": "Please check.", "files": [png()]},
        )
    ticket = Ticket.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == f"/support/tickets/{ticket.pk}/"
    assert ticket.status == "open"
    assert ticket.first_answer_due == ticket.created_at + timedelta(hours=rules.TICKET_FIRST_ANSWER_HOURS)
    attachment = TicketAttachment.objects.get(message__ticket=ticket)
    assert attachment.name == "screen.png" and attachment.file.url.startswith("/support/files/tickets/")
    assert Notification.objects.filter(user=support, kind="support_ticket").exists()
    assert [m.to for m in mail.outbox] == [[support.email]]
    page = user_client.get(f"/support/tickets/{ticket.pk}/").content.decode()
    assert "Please check." in page and "Waiting for support" in page
    assert user_client.get(attachment.file.url).status_code == 200


def test_t3_a_ticket_from_an_order_page_is_about_that_order(user_client, user):
    from tests.orders.factories import place

    order = place(buyer=user)
    page = user_client.get(order.get_absolute_url()).content.decode()
    assert f"/support/tickets/new/?order={order.pk}" in page
    user_client.post(
        "/support/tickets/new/",
        {"order": order.pk, "topic": "order", "subject": "Help", "text": "The seller is silent."},
    )
    assert Ticket.objects.get(user=user).order == order


def test_t3_someone_elses_order_is_not_attached(user_client, user):
    from tests.orders.factories import place

    order = place()
    user_client.post(
        "/support/tickets/new/", {"order": order.pk, "topic": "order", "subject": "Help", "text": "Look at this."}
    )
    assert Ticket.objects.get(user=user).order is None


def test_t3_a_file_of_the_wrong_type_is_refused_and_nothing_is_stored(user_client, user):
    fake = SimpleUploadedFile("screen.png", b"MZ not an image", content_type="image/png")
    response = user_client.post(
        "/support/tickets/new/", {"topic": "other", "subject": "Hi", "text": "See file.", "files": [fake]}
    )
    assert response.status_code == 400 and "is not really a .png file" in response.content.decode()
    assert not Ticket.objects.exists() and not TicketMessage.objects.exists()


def test_t3_a_stranger_reads_neither_the_ticket_nor_its_files(client, support):
    ticket = opened(files=[png()])
    attachment = TicketAttachment.objects.get()
    stranger = verified(UserFactory())
    client.force_login(stranger)
    assert client.get(f"/support/tickets/{ticket.pk}/").status_code == 404
    response = client.post(f"/support/tickets/{ticket.pk}/", {"text": "me too"})
    assert response.status_code == 404
    assert client.get(attachment.file.url).status_code == 404
    assert client.get(f"/backoffice/tickets/{ticket.pk}/").status_code == 403
    assert TicketMessage.objects.count() == 1


def test_t3_staff_answer_notes_and_the_user_sees_only_the_answer(
    support_client, support, django_capture_on_commit_callbacks
):
    client = Client()
    ticket = opened()
    support_client.post(f"/backoffice/tickets/{ticket.pk}/note/", {"text": "Checked the ledger: paid."})
    with django_capture_on_commit_callbacks(execute=True):
        support_client.post(f"/backoffice/tickets/{ticket.pk}/answer/", {"text": "It was paid on Monday."})
    ticket.refresh_from_db()
    assert ticket.status == "waiting" and ticket.first_answered_at and ticket.last_staff_author == support
    assert ticket.auto_close_at == ticket.updated_at + timedelta(days=rules.TICKET_INACTIVE_DAYS)
    assert any("Support answered your ticket" in m.subject for m in mail.outbox)
    assert set(StaffAction.objects.values_list("action", flat=True)) == {"ticket.note", "ticket.answer"}
    client.force_login(ticket.user)
    page = client.get(f"/support/tickets/{ticket.pk}/").content.decode()
    assert "It was paid on Monday." in page and "Checked the ledger" not in page
    assert "Waiting for your answer" in page
    staff_page = support_client.get(f"/backoffice/tickets/{ticket.pk}/").content.decode()
    assert "Checked the ledger" in staff_page and "staff note" in staff_page
    # The user answers: back to Support, which hears of it by e-mail.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/support/tickets/{ticket.pk}/", {"text": "Not on my card yet."})
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.auto_close_at is None
    assert [m.to for m in mail.outbox] == [[support.email]]


def test_t3_first_answer_deadline_is_visible_to_staff(support_client, support):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ticket = opened()
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert "First answer due in" in support_client.get("/backoffice/tickets/").content.decode()
    with time_machine.travel(start + timedelta(hours=rules.TICKET_FIRST_ANSWER_HOURS, minutes=1), tick=False):
        support_client.force_login(support)  # a new session: the first one timed out meanwhile
        page = support_client.get(f"/backoffice/tickets/{ticket.pk}/").content.decode()
        assert "First answer overdue" in page


def _answered(support, *, resolve=False):
    ticket = opened()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        tickets.ticket_answer(ticket=ticket, staff_user=support, text="Done?", resolve=resolve)
    return Ticket.objects.get(pk=ticket.pk), start


def test_t3_a_ticket_waiting_for_the_user_closes_as_inactive_after_the_named_days(support):
    ticket, start = _answered(support)
    deadline = start + timedelta(days=rules.TICKET_INACTIVE_DAYS)
    with time_machine.travel(deadline - timedelta(seconds=1), tick=False):
        assert tickets.tickets_auto_close() == 0
    assert Ticket.objects.get(pk=ticket.pk).status == "waiting"
    with time_machine.travel(deadline, tick=False):
        assert tickets.tickets_auto_close() == 1
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.close_reason == "inactive" and ticket.auto_close_at is None


def test_t3_a_resolved_ticket_closes_after_the_named_days_and_a_reply_before_reopens_it(support):
    ticket, start = _answered(support, resolve=True)
    deadline = start + timedelta(days=rules.TICKET_RESOLVED_CLOSE_DAYS)
    with time_machine.travel(deadline - timedelta(seconds=1), tick=False):
        assert tickets.tickets_auto_close() == 0
    with time_machine.travel(deadline, tick=False):
        assert tickets.tickets_auto_close() == 1
    ticket.refresh_from_db()
    assert ticket.close_reason == "resolved"
    # A reply before the deadline would have reopened it; after closing it is refused.
    with pytest.raises(DomainError, match="This ticket is closed"):
        tickets.ticket_reply(ticket=ticket, user=ticket.user, text="One more thing")
    assert TicketMessage.objects.filter(ticket=ticket).count() == 2

    other, start = _answered(support, resolve=True)
    tickets.ticket_reply(ticket=other, user=other.user, text="Actually no")
    with time_machine.travel(start + timedelta(days=rules.TICKET_RESOLVED_CLOSE_DAYS + 1), tick=False):
        assert tickets.tickets_auto_close() == 0
    assert Ticket.objects.get(pk=other.pk).status == "open"


def test_t3_auto_close_is_a_scheduled_task():
    from config.celery import build_beat_schedule

    tasks = {entry["task"] for entry in build_beat_schedule().values()}
    assert "arbitration.tasks.tickets_auto_close" in tasks


def test_t3_duplicate_is_merged_into_another_ticket_of_the_same_user(support_client, support):
    first = opened()
    second = opened(user=first.user, subject="Again: withdrawal", text="Second time asking", files=[png()])
    response = support_client.post(
        f"/backoffice/tickets/{second.pk}/close/", {"reason": "duplicate", "duplicate_of": f"#{first.pk}"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == "closed" and second.close_reason == "duplicate" and second.merged_into == first
    texts = list(TicketMessage.objects.filter(ticket=first).values_list("text", flat=True))
    assert "Second time asking" in texts and any("was merged into this one" in t for t in texts)
    assert TicketAttachment.objects.get().message.ticket == first


def test_t3_a_duplicate_of_another_users_ticket_is_refused_and_nothing_changes(support_client):
    first, second = opened(), opened()
    response = support_client.post(
        f"/backoffice/tickets/{second.pk}/close/", {"reason": "duplicate", "duplicate_of": first.pk}, follow=True
    )
    assert "merged into another ticket of the same user" in response.content.decode()
    assert Ticket.objects.get(pk=second.pk).status == "open"
    assert TicketMessage.objects.filter(ticket=first).count() == 1 and not StaffAction.objects.exists()


def test_t3_abusive_ticket_is_closed_and_logged(support_client, support):
    ticket = opened()
    support_client.post(f"/backoffice/tickets/{ticket.pk}/close/", {"reason": "abusive", "note": "Insults."})
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.close_reason == "abusive"
    assert StaffAction.objects.get().action == "ticket.close_abusive"


def test_t3_only_support_answers(client):
    ticket = opened()
    client.force_login(ticket.user)
    response = client.post(f"/backoffice/tickets/{ticket.pk}/answer/", {"text": "I am staff now"})
    assert response.status_code == 403
    assert TicketMessage.objects.count() == 1


QUERIES = {}


@pytest.mark.parametrize("n", [1, 50])
def test_t3_t6_ticket_queue_query_count_is_constant(support_client, django_assert_max_num_queries, n):
    user = verified(UserFactory())
    for _ in range(n):
        opened(user=user)
    support_client.get("/backoffice/tickets/")
    with django_assert_max_num_queries(8) as captured:
        response = support_client.get("/backoffice/tickets/")
    assert response.content.decode().count('data-testid="ticket-row"') == min(n, rules.TICKETS_PAGE_SIZE)
    assert len(captured) == QUERIES.setdefault("queue", len(captured))


@pytest.mark.parametrize("n", [1, 50])
def test_t3_ticket_page_query_count_does_not_grow_with_messages(support_client, support, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket = opened()
    for i in range(n):
        TicketMessage.objects.create(ticket=ticket, author=ticket.user, text=f"message {i}")
    support_client.get(f"/backoffice/tickets/{ticket.pk}/")
    with CaptureQueriesContext(connection) as captured:
        support_client.get(f"/backoffice/tickets/{ticket.pk}/")
    assert len(captured) == QUERIES.setdefault("staff_page", len(captured))
    client = Client()
    client.force_login(ticket.user)
    client.get(f"/support/tickets/{ticket.pk}/")
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/support/tickets/{ticket.pk}/")
    assert len(captured) == QUERIES.setdefault("user_page", len(captured))
