"""A12 in the back office: the identity-check queue, the decision, and the document itself, which only Support
reads, each reading logged (the file has no URL of its own)."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from accounts import identity
from accounts.models import IdentityCheck
from accounts.roles import support_required
from common.backoffice import decide, status_queue
from common.files import file_response

from . import rules


@support_required
def identity_checks(request):
    context = status_queue(
        request,
        statuses=IdentityCheck.Status.choices,
        default=IdentityCheck.Status.PENDING,
        rows=lambda status: identity.identity_checks_for_review(status=status),
        page_size=rules.BACKOFFICE_PAGE_SIZE,
    )
    return render(request, "backoffice/identity_checks.html", context)


@support_required
@require_POST
def identity_check_decide(request, pk):
    check = identity.identity_check_get(pk=pk)
    if check is None:
        raise Http404("No such identity check.")

    def decision():
        approve = request.POST.get("decision") == "approve"
        identity.identity_check_decide(
            check=check, staff_user=request.user, approve=approve, reason=request.POST.get("reason", "")
        )
        if approve:
            return f"{check.user.username} is now a Verified specialist."
        return f"The document of {check.user.username} has been rejected and the seller told why."

    return decide(request, decision, queue="backoffice:identity_checks")


@support_required
@require_safe
def identity_document(request, pk):
    check = identity.identity_check_get(pk=pk)
    if check is None or not check.document:
        raise Http404("No such document.")
    identity.identity_document_view_record(check=check, staff_user=request.user)
    return file_response(check.document, filename=check.document_name, as_attachment=False)
