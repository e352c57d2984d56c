"""T6: the audit log of every staff action (who, what, when, why), filtered by actor and action."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.models import StaffAction
from accounts.roles import support_required

from . import rules


@support_required
@require_safe
def audit_log(request):
    actor = request.GET.get("actor", "").strip()[:150]
    action = request.GET.get("action", "").strip()[:60]
    rows = StaffAction.objects.select_related("actor")
    if actor:
        rows = rows.filter(actor__username__iexact=actor)
    if action:
        rows = rows.filter(action__startswith=action)
    page = Paginator(rows, rules.AUDIT_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    actions = StaffAction.objects.order_by("action").values_list("action", flat=True).distinct()
    query_string = urlencode({"actor": actor, "action": action})
    context = {"page": page, "actor": actor, "action": action, "actions": actions, "query_string": query_string}
    return render(request, "backoffice/audit_log.html", context)
