"""T3 support tickets: a user asks, Support answers in the back office (with staff-only notes), and a ticket
closes when resolved, inactive, a duplicate (merged into another) or abusive. Timers: staff see the first-answer
deadline (`TICKET_FIRST_ANSWER_HOURS`); a ticket waiting for the user, or resolved, closes by itself at
`auto_close_at` (the beat job `tickets_auto_close`). Every staff step is written to the audit log."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import SUPPORT
from accounts.rules import NotificationKind
from accounts.services import notifications_send_many, staff_action_record
from common.errors import DomainError
from common.uploads import validate_attachment

from . import rules
from .models import Ticket, TicketAttachment, TicketMessage

S = Ticket.Status

# --- reads ---------------------------------------------------------------------------------------------------


def tickets_of(*, user):
    return Ticket.objects.filter(user=user).order_by("-updated_at", "-id")


def ticket_for_user(*, user, pk):
    """The user's own ticket with the messages they may read (no staff notes), or None (a stranger's ticket
    is as missing as one that does not exist)."""
    visible = TicketMessage.objects.filter(internal=False).select_related("author").prefetch_related("attachments")
    return (
        Ticket.objects.filter(user=user, pk=pk)
        .select_related("order", "merged_into")
        .prefetch_related(Prefetch("messages", queryset=visible, to_attr="thread"))
        .first()
    )


def ticket_for_staff(*, pk):
    thread = TicketMessage.objects.select_related("author").prefetch_related("attachments")
    return (
        Ticket.objects.filter(pk=pk)
        .select_related("user", "order", "merged_into", "last_staff_author")
        .prefetch_related(Prefetch("messages", queryset=thread, to_attr="thread"))
        .first()
    )


def tickets_for_review(*, status):
    """The back-office queue: open tickets oldest first (the first-answer deadline decides), others by activity."""
    rows = Ticket.objects.filter(status=status).select_related("user", "last_staff_author")
    rows = rows.annotate(message_count=Count("messages", filter=Q(messages__internal=False)))
    if status == S.OPEN:
        return rows.order_by("created_at", "id")
    return rows.order_by("-updated_at", "-id")


def tickets_open_summary():
    """(count, oldest created_at) of the tickets waiting for staff, in one query."""
    row = Ticket.objects.filter(status=S.OPEN).aggregate(count=Count("id"), oldest=Min("created_at"))
    return row["count"], row["oldest"]


# --- services -------------------------------------------------------------------------------------------------


def _check_text(text):
    text = (text or "").strip()
    if not text:
        raise DomainError("Write your message.")
    if len(text) > rules.TICKET_TEXT_MAX_LENGTH:
        raise DomainError(f"Keep the message under {rules.TICKET_TEXT_MAX_LENGTH} characters.")
    return text


def _check_files(files):
    files = list(files or [])
    if len(files) > rules.TICKET_MAX_FILES:
        raise DomainError(f"Attach at most {rules.TICKET_MAX_FILES} files to one message.")
    for upload in files:
        try:
            validate_attachment(upload)
        except ValidationError as error:
            raise DomainError(error.messages[0]) from None
    return files


def _add_message(*, ticket, author, text, files=(), from_staff=False, internal=False):
    message = TicketMessage.objects.create(
        ticket=ticket, author=author, text=text, from_staff=from_staff, internal=internal
    )
    for upload in files:
        TicketAttachment.objects.create(message=message, file=upload, name=upload.name[:200])
    return message


def _support_staff():
    return list(get_user_model().objects.filter(groups__name=SUPPORT, is_active=True))


def _notify_staff(ticket, title):
    """E-mail Support: the agent who answered last, or the whole team while nobody has."""
    people = [ticket.last_staff_author] if ticket.last_staff_author_id else _support_staff()
    url = reverse("backoffice:ticket_detail", args=[ticket.pk])
    notifications_send_many(
        notifications=[
            {"user": person, "kind": NotificationKind.SUPPORT_TICKET, "title": title, "url": url}
            for person in people
            if person.is_active
        ]
    )


def _notify_user(ticket, title, body=""):
    notifications_send_many(
        notifications=[
            {
                "user": ticket.user,
                "kind": NotificationKind.SUPPORT_TICKET,
                "title": title,
                "body": body[:500],
                "url": reverse("tickets:detail", args=[ticket.pk]),
            }
        ]
    )


def ticket_open(*, user, topic, subject, text, files=(), order=None):
    """Any user opens a ticket, from the help page or an order page (then about that order, if theirs)."""
    if topic not in dict(Ticket.Topic.choices):
        raise DomainError("Choose what the ticket is about.")
    subject = (subject or "").strip()
    if not subject:
        raise DomainError("Give the ticket a short subject.")
    text = _check_text(text)
    files = _check_files(files)
    if order is not None and user.pk not in (order.buyer_id, order.seller_id):
        raise DomainError("You can only ask about your own orders.")
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            user=user,
            order=order,
            topic=topic,
            subject=subject[:150],
            first_answer_due=now + timedelta(hours=rules.TICKET_FIRST_ANSWER_HOURS),
            created_at=now,
            updated_at=now,
        )
        _add_message(ticket=ticket, author=user, text=text, files=files)
        _notify_staff(ticket, f"New ticket #{ticket.pk}: {ticket.subject}")
    return ticket


def ticket_reply(*, ticket, user, text, files=()):
    """The user writes again: the ticket goes back to Support (a resolved one reopens); a closed one refuses."""
    text = _check_text(text)
    files = _check_files(files)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.user_id != user.pk:
            raise DomainError("This is not your ticket.")
        if ticket.status == S.CLOSED:
            raise DomainError("This ticket is closed. Open a new one if you still need help.")
        _add_message(ticket=ticket, author=user, text=text, files=files)
        ticket.status = S.OPEN
        ticket.auto_close_at = None
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["status", "auto_close_at", "updated_at"])
        _notify_staff(ticket, f"New message on ticket #{ticket.pk}: {ticket.subject}")
    return ticket


def _locked_for_staff(ticket):
    ticket = Ticket.objects.select_for_update().select_related("user").get(pk=ticket.pk)
    if ticket.status == S.CLOSED:
        raise DomainError("This ticket is closed.")
    return ticket


def ticket_answer(*, ticket, staff_user, text, files=(), resolve=False):
    """Support answers: the ticket waits for the user (or is resolved) and closes by itself if left alone."""
    text = _check_text(text)
    files = _check_files(files)
    with transaction.atomic():
        ticket = _locked_for_staff(ticket)
        now = timezone.now()
        _add_message(ticket=ticket, author=staff_user, text=text, files=files, from_staff=True)
        ticket.first_answered_at = ticket.first_answered_at or now
        ticket.last_staff_author = staff_user
        ticket.updated_at = now
        if resolve:
            ticket.status = S.RESOLVED
            ticket.auto_close_at = now + timedelta(days=rules.TICKET_RESOLVED_CLOSE_DAYS)
        else:
            ticket.status = S.WAITING
            ticket.auto_close_at = now + timedelta(days=rules.TICKET_INACTIVE_DAYS)
        ticket.save(
            update_fields=["first_answered_at", "last_staff_author", "updated_at", "status", "auto_close_at"]
        )
        staff_action_record(actor=staff_user, action=f"ticket.{'resolve' if resolve else 'answer'}", target=ticket)
        _notify_user(ticket, f"Support answered your ticket “{ticket.subject}”", text)
    return ticket


def ticket_note(*, ticket, staff_user, text):
    """A staff-only note: the user never sees it; the status does not change."""
    text = _check_text(text)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _add_message(ticket=ticket, author=staff_user, text=text, from_staff=True, internal=True)
        staff_action_record(actor=staff_user, action="ticket.note", target=ticket)
    return ticket


def _close(ticket, *, reason, now, staff_user=None, note=""):
    ticket.status = S.CLOSED
    ticket.close_reason = reason
    ticket.closed_at = now
    ticket.auto_close_at = None
    ticket.updated_at = now
    ticket.save(
        update_fields=["status", "close_reason", "closed_at", "auto_close_at", "updated_at", "merged_into"]
    )
    if staff_user is not None:
        staff_action_record(actor=staff_user, action=f"ticket.close_{reason}", target=ticket, reason=note)


def ticket_close(*, ticket, staff_user, reason, note="", duplicate_of=None):
    """Support closes a ticket as resolved, abusive, or a duplicate merged into another ticket of the same
    user (its messages are copied there, so that conversation is complete)."""
    if reason not in (Ticket.CloseReason.RESOLVED, Ticket.CloseReason.ABUSIVE, Ticket.CloseReason.DUPLICATE):
        raise DomainError("Choose why the ticket is closed.")
    with transaction.atomic():
        ticket = _locked_for_staff(ticket)
        now = timezone.now()
        if reason == Ticket.CloseReason.DUPLICATE:
            target = (
                Ticket.objects.select_for_update().filter(pk=getattr(duplicate_of, "pk", duplicate_of)).first()
            )
            if target is None or target.pk == ticket.pk or target.user_id != ticket.user_id:
                raise DomainError("A duplicate is merged into another ticket of the same user: give its number.")
            if target.status == S.CLOSED:
                raise DomainError(f"Ticket #{target.pk} is closed; merge into an open one.")
            _merge_messages(ticket, target, staff_user)
            ticket.merged_into = target
            target.updated_at = now
            target.save(update_fields=["updated_at"])
        _close(ticket, reason=reason, now=now, staff_user=staff_user, note=note)
        titles = {
            Ticket.CloseReason.RESOLVED: f"Your ticket “{ticket.subject}” is closed as resolved",
            Ticket.CloseReason.ABUSIVE: f"Your ticket “{ticket.subject}” has been closed",
            Ticket.CloseReason.DUPLICATE: f"Your ticket “{ticket.subject}” continues in ticket #{ticket.merged_into_id}",
        }
        _notify_user(ticket, titles[reason], note)
    return ticket


def _merge_messages(ticket, target, staff_user):
    for message in ticket.messages.prefetch_related("attachments").order_by("created_at", "id"):
        copy = TicketMessage.objects.create(
            ticket=target,
            author_id=message.author_id,
            from_staff=message.from_staff,
            internal=message.internal,
            text=message.text,
            created_at=message.created_at,
        )
        # The copy shares the stored files (a name, not new bytes): the attachments move to the open ticket.
        for attachment in message.attachments.all():
            attachment.message = copy
            attachment.save(update_fields=["message"])
    _add_message(
        ticket=target,
        author=staff_user,
        text=f"Ticket #{ticket.pk} “{ticket.subject}” was merged into this one.",
        from_staff=True,
        internal=True,
    )


def tickets_auto_close(*, now=None):
    """The beat job: close every ticket past `auto_close_at` (waiting for the user: inactive; resolved:
    resolved). Reads the partial index on the deadline. Returns how many were closed."""
    now = now or timezone.now()
    done = 0
    due = Ticket.objects.filter(auto_close_at__lte=now, status__in=[S.WAITING, S.RESOLVED])
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update()
                .select_related("user")
                .filter(pk=pk, auto_close_at__lte=now, status__in=[S.WAITING, S.RESOLVED])
                .first()
            )
            if ticket is None:
                continue
            reason = Ticket.CloseReason.RESOLVED if ticket.status == S.RESOLVED else Ticket.CloseReason.INACTIVE
            _close(ticket, reason=reason, now=now)
            _notify_user(ticket, f"Your ticket “{ticket.subject}” is closed", "")
            done += 1
    return done
