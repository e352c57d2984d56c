"""Dispute pages (O12, T6). The parties: open a dispute from the order page, answer it, propose a split, fetch
evidence. Support: the queue at /backoffice/disputes/, the case file, take a case, decide it. Forms only parse;
arbitration.disputes checks every rule."""

import re
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.roles import is_support, support_required
from common.backoffice import status_queue
from common.errors import DomainError
from common.files import file_response
from common.forms import AttachmentsField
from orders.models import Order
from payments.forms import DollarsField

from . import dispute_selectors, disputes, rules
from .models import Dispute, DisputeFile, Outcome


def _dollars(**kwargs):
    return DollarsField(min_value=Decimal("0"), required=False, **kwargs)


class OpenForm(forms.Form):
    description = forms.CharField(
        label="What went wrong?",
        max_length=rules.DISPUTE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    outcome = forms.ChoiceField(label="What do you ask for?", choices=Outcome.choices, widget=forms.RadioSelect)
    refund = _dollars(label="For a split: the buyer gets back, USD")
    files = AttachmentsField(label="Evidence files", max_files=rules.DISPUTE_MAX_FILES)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label="Your statement", max_length=rules.DISPUTE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )
    files = AttachmentsField(label="Evidence files", max_files=rules.DISPUTE_MAX_FILES)


class ProposeForm(forms.Form):
    refund = _dollars(label="The buyer gets back, USD")


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label="Decision", choices=Outcome.choices, widget=forms.RadioSelect)
    refund = _dollars(label="Split: to the buyer, USD")
    seller_part = _dollars(label="Split: stays with the seller's side, USD")
    reasoning = forms.CharField(
        label="Reasoning (sent to both parties)",
        max_length=rules.DISPUTE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def _party_order(request, pk):
    order = get_object_or_404(Order.objects.select_related("buyer", "seller"), pk=pk)
    if order.party_of(request.user) is None:
        raise Http404("No such order.")
    return order


def _first_error(form):
    return next(iter(e for errors in form.errors.values() for e in errors), "Please check the form.")


@login_required
def dispute_open(request, pk):
    """O12: "Help with this order → Arbitration"."""
    order = _party_order(request, pk)
    if request.method == "POST":
        form = OpenForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                disputes.dispute_open(
                    order=order,
                    user=request.user,
                    description=data["description"],
                    asked_outcome=data["outcome"],
                    asked_refund_cents=data["refund"],
                    files=data["files"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "The order is in arbitration. The other party has been told.")
                return redirect(order.get_absolute_url())
        status = 400
    else:
        form, status = OpenForm(), 200
    context = {"order": order, "form": form, "answer_hours": rules.DISPUTE_ANSWER_HOURS}
    return render(request, "arbitration/disputes/open.html", context, status=status)


def _party_dispute(request, pk):
    dispute = get_object_or_404(Dispute.objects.select_related("order"), pk=pk)
    if dispute.order.party_of(request.user) is None:
        raise Http404("No such dispute.")
    return dispute


@login_required
@require_POST
def dispute_answer(request, pk):
    dispute = _party_dispute(request, pk)
    form = AnswerForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise DomainError(_first_error(form))
        disputes.dispute_answer(
            dispute=dispute, user=request.user, text=form.cleaned_data["text"], files=form.cleaned_data["files"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your answer has been added to the case.")
    return redirect(f"{dispute.order.get_absolute_url()}#dispute")


@login_required
@require_POST
def dispute_propose(request, pk):
    dispute = _party_dispute(request, pk)
    form = ProposeForm(request.POST)
    try:
        if not form.is_valid() or form.cleaned_data["refund"] is None:
            raise DomainError(_first_error(form) if form.errors else "Enter the amount the buyer gets back.")
        dispute = disputes.dispute_propose(
            dispute=dispute, user=request.user, refund_cents=form.cleaned_data["refund"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if dispute.status == Dispute.Status.SETTLED:
            messages.success(request, "You both proposed the same: the dispute is settled.")
        else:
            messages.success(request, "Your proposal has been sent to the other party.")
    return redirect(f"{dispute.order.get_absolute_url()}#dispute")


# Stored names are `disputes/<dispute id>/<random>` (arbitration/models.py).
_NAME = re.compile(r"disputes/(?P<dispute_id>\d+)/[^/]+")


@require_safe
@login_required
def dispute_file(request, name):
    """Evidence: the two parties and Support only; anyone else gets a 404."""
    match = _NAME.fullmatch(name)
    if match is None:
        raise Http404("No such file.")
    row = (
        DisputeFile.objects.filter(statement__dispute_id=int(match["dispute_id"]), file=name)
        .select_related("statement__dispute__order")
        .only("file", "name", "statement__dispute__order__buyer_id", "statement__dispute__order__seller_id")
        .first()
    )
    if row is None:
        raise Http404("No such file.")
    order = row.statement.dispute.order
    if request.user.pk not in (order.buyer_id, order.seller_id) and not is_support(request.user):
        raise Http404("No such file.")
    return file_response(row.file, filename=row.name)


# Support


@support_required
@require_safe
def queue(request):
    assigned = request.GET.get("assigned", "")
    if assigned not in dict(dispute_selectors.ASSIGNMENT_FILTERS):
        assigned = ""
    context = status_queue(
        request,
        statuses=Dispute.Status.choices,
        default=Dispute.Status.OPEN,
        rows=lambda status: dispute_selectors.disputes_for_queue(
            status=status, staff_user=request.user, assigned=assigned
        ),
        page_size=rules.BACKOFFICE_PAGE_SIZE,
    )
    dispute_selectors.with_due(context["page"].object_list)
    context.update(
        assigned=assigned,
        assignment_filters=dispute_selectors.ASSIGNMENT_FILTERS,
        working_days=rules.DISPUTE_DECISION_WORKING_DAYS,
        now=timezone.now(),
    )
    return render(request, "arbitration/disputes/queue.html", context)


@support_required
@require_safe
def case(request, pk):
    context = dispute_selectors.dispute_case(pk=pk)
    context.update(form=DecideForm(), working_days=rules.DISPUTE_DECISION_WORKING_DAYS)
    return render(request, "arbitration/disputes/case.html", context)


def _back_to_case(pk):
    return redirect(reverse("backoffice:dispute_case", args=[pk]))


@support_required
@require_POST
def take(request, pk):
    dispute = get_object_or_404(Dispute, pk=pk)
    try:
        disputes.dispute_take(dispute=dispute, staff_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The case is yours; no other agent can decide it.")
    return _back_to_case(pk)


@support_required
@require_POST
def decide(request, pk):
    dispute = get_object_or_404(Dispute, pk=pk)
    form = DecideForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_first_error(form))
        data = form.cleaned_data
        disputes.dispute_decide(
            dispute=dispute,
            staff_user=request.user,
            outcome=data["outcome"],
            refund_cents=data["refund"],
            seller_cents=data["seller_part"],
            reasoning=data["reasoning"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The decision is final; both parties have been told.")
    return _back_to_case(pk)
