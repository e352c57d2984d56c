"""What every back-office queue shares (withdrawals, deletions, and the queues to come): status tabs over a paged
list, and a "decide" POST that runs one service and returns to the tab it came from. The tabs are drawn by
templates/backoffice/status_tabs.html."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse

from common.errors import DomainError


def status_queue(request, *, statuses, default, rows, page_size):
    """The context of a queue page: `status` from ?status= (one of `statuses`, a model's `choices`, else
    `default`), `statuses` for the tabs, and `page`, the page of `rows(status)` asked for."""
    status = request.GET.get("status", default)
    if status not in dict(statuses):
        status = default
    page = Paginator(rows(status), page_size).get_page(request.GET.get("page"))
    return {"page": page, "status": status, "statuses": statuses}


def decide(request, decision, *, queue):
    """Run `decision()` (one service call that returns the success message); show that message or the
    service's refusal, then go back to the `queue` URL name, on the status tab the form was posted from."""
    try:
        message = decision()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    url = reverse(queue)
    status = request.POST.get("status", "")
    return redirect(f"{url}?{urlencode({'status': status})}" if status else url)
