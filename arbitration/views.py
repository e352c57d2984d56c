from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.models import DeletionRequest
from common.errors import DomainError

from .permissions import support_required


@support_required
def index(request):
    counts = {"deletions": DeletionRequest.objects.filter(status=DeletionRequest.Status.PENDING).count()}
    return render(request, "backoffice/index.html", {"counts": counts})


@support_required
def deletion_requests(request):
    status = request.GET.get("status", DeletionRequest.Status.PENDING)
    qs = DeletionRequest.objects.select_related("user", "processed_by").filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/deletion_requests.html",
        {"page": page, "status": status, "statuses": DeletionRequest.Status.choices},
    )


@support_required
@require_POST
def deletion_request_decide(request, pk):
    """A7: support carries out (anonymises) or rejects with a note."""
    req = get_object_or_404(DeletionRequest, pk=pk)
    try:
        if request.POST.get("decision") == "delete":
            account_services.account_anonymise(deletion_request=req, staff_user=request.user)
            messages.success(request, f"Account #{req.user_id} has been anonymised.")
        else:
            note = request.POST.get("note", "").strip()
            if not note:
                raise DomainError("Write a note to the user explaining why the request is rejected.")
            account_services.deletion_request_reject(deletion_request=req, staff_user=request.user, note=note)
            messages.success(request, "The request has been rejected and the user notified.")
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("backoffice:deletion_requests")
