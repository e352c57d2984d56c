"""T1, T2, M3, M4 pages: the back office's penalty, report and appeal queues and the penalty form (Support only),
and the users' side: reporting a message, Kwork or profile, and the page of one's own penalties with the appeal
(the page a blocked user is sent to). The work is accounts.penalties'."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts import penalties
from accounts import rules as account_rules
from accounts.models import Appeal, Penalty, Report, User
from accounts.roles import support_required
from common.backoffice import decide, status_queue
from common.errors import DomainError
from common.files import file_response
from common.ratelimit import ratelimit
from common.redirects import safe_next

from . import rules


class PenaltyForm(forms.Form):
    user = forms.CharField(label="Login of the user", max_length=150)
    kind = forms.ChoiceField(choices=Penalty.Kind.choices)
    rule = forms.ChoiceField(label="Rule broken", choices=Penalty.Rule.choices)
    evidence_url = forms.CharField(
        label="Evidence (a link on this site: message, Kwork or order)", max_length=300, initial="/"
    )
    reason = forms.CharField(
        label="Reason (the user reads it)",
        max_length=account_rules.PENALTY_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong?",
        max_length=account_rules.REPORT_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label="Why should the penalty be lifted?",
        max_length=account_rules.APPEAL_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    file = forms.FileField(label="Evidence file (optional)", required=False)


# --- back office ---------------------------------------------------------------------------------------------


@support_required
@require_safe
def penalty_queue(request):
    context = status_queue(
        request,
        statuses=Penalty.Status.choices,
        default=Penalty.Status.REVIEW,
        rows=lambda status: penalties.penalties_for_review(status=status),
        page_size=rules.BACKOFFICE_PAGE_SIZE,
    )
    return render(request, "arbitration/penalties/queue.html", context)


@support_required
def penalty_new(request):
    """The penalty form; from a report (?report=) it is filled with the reported person and the evidence."""
    report = None
    report_id = request.POST.get("report") or request.GET.get("report")
    if report_id and str(report_id).isdigit():
        report = Report.objects.select_related("target_user").filter(pk=report_id).first()
    initial = {}
    if report is not None:
        initial = {"user": report.target_user.username, "evidence_url": report.target_url}
    elif request.GET.get("user"):
        initial = {"user": request.GET["user"][:150]}
    form = PenaltyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = User.objects.filter(username__iexact=data["user"]).first()
        if user is None:
            form.add_error("user", "No user has this login.")
        else:
            try:
                penalty = penalties.penalty_give(
                    staff=request.user,
                    user=user,
                    kind=data["kind"],
                    rule=data["rule"],
                    evidence_url=data["evidence_url"],
                    reason=data["reason"],
                    report=report,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request, f"{penalty.get_kind_display()} given to {user.username}; they were notified."
                )
                return redirect(f"{reverse('backoffice:penalties')}?status=active")
    return render(
        request,
        "arbitration/penalties/new.html",
        {"form": form, "report": report, "base_days": account_rules.BLOCK_BASE_DAYS},
    )


@support_required
@require_POST
def penalty_decide(request, pk):
    penalty = get_object_or_404(Penalty, pk=pk)

    def decision():
        if request.POST.get("decision") == "confirm":
            penalties.penalty_confirm(penalty=penalty, staff=request.user)
            return f"Penalty #{penalty.pk} is kept."
        penalties.penalty_lift(penalty=penalty, staff=request.user, reason=request.POST.get("reason", ""))
        return f"Penalty #{penalty.pk} has been lifted and the user notified."

    return decide(request, decision, queue="backoffice:penalties")


@support_required
@require_safe
def report_queue(request):
    context = status_queue(
        request,
        statuses=Report.Status.choices,
        default=Report.Status.OPEN,
        rows=lambda status: penalties.reports_for_review(status=status),
        page_size=rules.BACKOFFICE_PAGE_SIZE,
    )
    return render(request, "arbitration/penalties/reports.html", context)


@support_required
@require_POST
def report_dismiss(request, pk):
    report = get_object_or_404(Report, pk=pk)

    def decision():
        penalties.report_dismiss(report=report, staff=request.user)
        return f"Report #{report.pk} dismissed."

    return decide(request, decision, queue="backoffice:reports")


@support_required
@require_safe
def appeal_queue(request):
    context = status_queue(
        request,
        statuses=Appeal.Status.choices,
        default=Appeal.Status.PENDING,
        rows=lambda status: penalties.appeals_for_review(status=status),
        page_size=rules.BACKOFFICE_PAGE_SIZE,
    )
    return render(request, "arbitration/penalties/appeals.html", context)


@support_required
@require_POST
def appeal_decide(request, pk):
    appeal = get_object_or_404(Appeal, pk=pk)

    def decision():
        grant = request.POST.get("decision") == "grant"
        penalties.appeal_decide(
            appeal=appeal, staff=request.user, grant=grant, reason=request.POST.get("reason", "")
        )
        return "Appeal granted: the penalty is lifted." if grant else "Appeal rejected."

    return decide(request, decision, queue="backoffice:appeals")


@support_required
@require_safe
def appeal_file(request, pk):
    appeal = get_object_or_404(Appeal, pk=pk)
    if not appeal.file:
        raise Http404("No file.")
    return file_response(appeal.file, filename=appeal.file_name or "appeal-file")


# --- the users' side ---------------------------------------------------------------------------------------------


def _report_target(request, kind, pk):
    """(target user, url, label) of what is reported, or 404 when the reporter cannot see it."""
    if kind == Report.Target.PROFILE:
        user = get_object_or_404(User, pk=pk, anonymised_at__isnull=True, is_active=True)
        return user, user.get_absolute_url(), f"Profile of {user.username}"
    if kind == Report.Target.KWORK:
        from marketplace.models import Kwork

        kwork = get_object_or_404(Kwork.objects.select_related("seller"), pk=pk)
        return kwork.seller, kwork.get_absolute_url(), f"Kwork “{kwork.title}”"[:200]
    if kind == Report.Target.MESSAGE:
        from messaging.models import Message

        message = get_object_or_404(Message.objects.select_related("conversation", "author"), pk=pk)
        if message.conversation.party_of(request.user) is None:
            raise Http404("No such message.")
        url = reverse("messaging:conversation", args=[message.conversation_id])
        return message.author, url, f"Message of {message.author.username}: {message.text[:80]}"
    raise Http404("Nothing to report here.")


@login_required
@ratelimit("report", account_rules.RATE_REPORT)
def report_create(request, kind, pk):
    target_user, url, label = _report_target(request, kind, pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            penalties.report_create(
                reporter=request.user,
                target_kind=kind,
                target_id=pk,
                target_user=target_user,
                target_url=url,
                target_label=label,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Thank you: support will look at your report.")
            return redirect(safe_next(request.POST.get("next")) or url)
    return render(
        request,
        "arbitration/penalties/report.html",
        {"form": form, "label": label, "target_url": url, "next": safe_next(request.GET.get("next")) or url},
    )


@login_required
@require_safe
def my_penalties(request):
    """The page a blocked user is sent to: why, until when, and the appeal of each penalty."""
    return render(
        request,
        "accounts/blocked.html",
        {"penalties": penalties.penalties_of(request.user), "form": AppealForm()},
    )


@login_required
@require_POST
@ratelimit("appeal", account_rules.RATE_APPEAL)
def appeal_create(request, pk):
    penalty = get_object_or_404(Penalty, pk=pk, user=request.user)
    form = AppealForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            penalties.appeal_create(
                user=request.user, penalty=penalty, text=form.cleaned_data["text"], file=form.cleaned_data["file"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Your appeal has been sent; a member of staff will decide it.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("penalties:mine")
