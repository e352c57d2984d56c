"""T3 pages: the user's tickets (list, new, conversation, attachments) and Support's queue and ticket page."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.roles import is_support, support_required
from common.backoffice import status_queue
from common.errors import DomainError
from common.files import file_response
from common.forms import AttachmentsField
from common.ratelimit import ratelimit
from orders.models import Order

from . import rules, tickets
from .models import Ticket, TicketAttachment


class TicketForm(forms.Form):
    topic = forms.ChoiceField(label="What is it about?", choices=Ticket.Topic.choices)
    subject = forms.CharField(label="Subject", max_length=150)
    text = forms.CharField(
        label="Describe the problem",
        max_length=rules.TICKET_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    files = AttachmentsField(label="Files (screenshots, documents)", max_files=rules.TICKET_MAX_FILES)


class MessageForm(forms.Form):
    text = forms.CharField(
        label="Your message", max_length=rules.TICKET_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = AttachmentsField(label="Files", max_files=rules.TICKET_MAX_FILES)


def _own_order(request):
    """?order=<id> when it is one of the user's orders (the ticket is then about it), else None."""
    pk = request.GET.get("order") or request.POST.get("order")
    if not (pk and str(pk).isdigit()):
        return None
    return Order.objects.filter(pk=pk).filter(buyer=request.user).first() or (
        Order.objects.filter(pk=pk, seller=request.user).first()
    )


# --- the user's side ---------------------------------------------------------------------------------------


@login_required
@require_safe
def ticket_list(request):
    return render(request, "arbitration/tickets/list.html", {"tickets": tickets.tickets_of(user=request.user)})


@login_required
@ratelimit("ticket", rules.RATE_TICKET)
def ticket_new(request):
    order = _own_order(request)
    initial = {"topic": Ticket.Topic.ORDER, "subject": f"Order #{order.pk}"} if order else {}
    form = TicketForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = tickets.ticket_open(
                user=request.user,
                topic=data["topic"],
                subject=data["subject"],
                text=data["text"],
                files=data["files"],
                order=order,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Your ticket has been sent. We will answer you here and by e-mail.")
            return redirect("tickets:detail", ticket.pk)
    status = 400 if form.errors else 200
    return render(request, "arbitration/tickets/new.html", {"form": form, "order": order}, status=status)


@login_required
@ratelimit("ticket", rules.RATE_TICKET)
def ticket_detail(request, pk):
    ticket = tickets.ticket_for_user(user=request.user, pk=pk)
    if ticket is None:
        raise Http404("No such ticket.")
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            tickets.ticket_reply(
                ticket=ticket, user=request.user, text=form.cleaned_data["text"], files=form.cleaned_data["files"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Your message has been sent to support.")
            return redirect("tickets:detail", ticket.pk)
    status = 400 if form.errors else 200
    return render(request, "arbitration/tickets/detail.html", {"ticket": ticket, "form": form}, status=status)


# Stored names are `tickets/<ticket id>/<random>` (arbitration/models.py); the row decides, not the name.
_NAME = re.compile(r"tickets/\d+/[^/]+")


@login_required
@require_safe
def ticket_file(request, name):
    """An attachment: the ticket's user (not on staff notes) or Support; anyone else gets a 404."""
    if not _NAME.fullmatch(name):
        raise Http404("No such file.")
    row = TicketAttachment.objects.filter(file=name).select_related("message__ticket").first()
    if row is None:
        raise Http404("No such file.")
    message = row.message
    if not is_support(request.user) and (message.ticket.user_id != request.user.pk or message.internal):
        raise Http404("No such file.")
    return file_response(row.file, filename=row.name)


# --- the back office ---------------------------------------------------------------------------------------


@support_required
def ticket_queue(request):
    context = status_queue(
        request,
        statuses=Ticket.Status.choices,
        default=Ticket.Status.OPEN,
        rows=lambda status: tickets.tickets_for_review(status=status),
        page_size=rules.TICKETS_PAGE_SIZE,
    )
    context["now"] = timezone.now()
    return render(request, "arbitration/tickets/queue.html", context)


class StaffAnswerForm(MessageForm):
    text = forms.CharField(
        label="Answer", max_length=rules.TICKET_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )


@support_required
@require_safe
def staff_ticket_detail(request, pk):
    ticket = tickets.ticket_for_staff(pk=pk)
    if ticket is None:
        raise Http404("No such ticket.")
    context = {
        "ticket": ticket,
        "form": StaffAnswerForm(),
        "close_reasons": _STAFF_CLOSE_REASONS,
        "now": timezone.now(),
        "staff_view": True,
    }
    return render(request, "arbitration/tickets/staff_detail.html", context)


_STAFF_CLOSE_REASONS = [
    (Ticket.CloseReason.RESOLVED, "Resolved"),
    (Ticket.CloseReason.DUPLICATE, "Duplicate (merge into)"),
    (Ticket.CloseReason.ABUSIVE, "Abusive"),
]


def _staff_step(request, pk, step):
    ticket = tickets.ticket_for_staff(pk=pk)
    if ticket is None:
        raise Http404("No such ticket.")
    try:
        message = step(ticket)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect("backoffice:ticket_detail", pk)


@support_required
@require_POST
def staff_ticket_answer(request, pk):
    form = StaffAnswerForm(request.POST, request.FILES)

    def step(ticket):
        if not form.is_valid():
            raise DomainError(" ".join(error for errors in form.errors.values() for error in errors))
        resolve = request.POST.get("resolve") == "1"
        tickets.ticket_answer(
            ticket=ticket,
            staff_user=request.user,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["files"],
            resolve=resolve,
        )
        return "Answer sent; the ticket is resolved." if resolve else "Answer sent; waiting for the user."

    return _staff_step(request, pk, step)


@support_required
@require_POST
def staff_ticket_note(request, pk):
    def step(ticket):
        tickets.ticket_note(ticket=ticket, staff_user=request.user, text=request.POST.get("text", ""))
        return "Note added (staff only)."

    return _staff_step(request, pk, step)


@support_required
@require_POST
def staff_ticket_close(request, pk):
    def step(ticket):
        other = request.POST.get("duplicate_of", "").strip().lstrip("#")
        tickets.ticket_close(
            ticket=ticket,
            staff_user=request.user,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            duplicate_of=int(other) if other.isdigit() else None,
        )
        return "The ticket is closed."

    return _staff_step(request, pk, step)
