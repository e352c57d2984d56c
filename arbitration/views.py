from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import DeletionRequest
from accounts.roles import support_required
from common.backoffice import decide, status_queue
from common.errors import DomainError

from . import overview, rules


@support_required
def index(request):
    """T6: the home of the back office: every queue with its count and the age of its oldest item."""
    return render(request, "backoffice/index.html", {"queues": overview.backoffice_queues()})


@support_required
def deletion_requests(request):
    context = status_queue(
        request,
        statuses=DeletionRequest.Status.choices,
        default=DeletionRequest.Status.PENDING,
        rows=lambda status: account_selectors.deletion_requests_for_review(status=status),
        page_size=rules.BACKOFFICE_PAGE_SIZE,
    )
    return render(request, "backoffice/deletion_requests.html", context)


@support_required
@require_POST
def deletion_request_decide(request, pk):
    """A7: support carries out (anonymises) or rejects with a note."""
    req = account_selectors.deletion_request_get(pk=pk)

    def decision():
        if request.POST.get("decision") == "delete":
            account_services.account_anonymise(deletion_request=req, staff_user=request.user)
            return f"Account #{req.user_id} has been anonymised."
        note = request.POST.get("note", "").strip()
        if not note:
            raise DomainError("Write a note to the user explaining why the request is rejected.")
        account_services.deletion_request_reject(deletion_request=req, staff_user=request.user, note=note)
        return "The request has been rejected and the user notified."

    return decide(request, decision, queue="backoffice:deletion_requests")
