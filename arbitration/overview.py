"""T6: the back-office home's reads: for every queue, how many items wait and since when (one aggregate query
a queue, so the page costs the same with 1 or 50 items waiting). A queue whose app is not installed or has no
page yet is left out rather than shown broken."""

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import Count, Min, Q
from django.urls import NoReverseMatch, reverse

# (label, model, what "waiting" means, the queue's URL name)
QUEUES = [
    ("Disputes", "arbitration.Dispute", Q(status="open"), "backoffice:disputes"),
    ("Reports", "accounts.Report", Q(status="open"), "backoffice:reports"),
    ("Automatic penalties to review", "accounts.Penalty", Q(status="review"), "backoffice:penalties"),
    ("Appeals", "accounts.Appeal", Q(status="pending"), "backoffice:appeals"),
    ("Support tickets", "arbitration.Ticket", Q(status="open"), "backoffice:tickets"),
    ("Identity checks", "accounts.IdentityCheck", Q(status="pending"), "backoffice:identity_checks"),
    ("Withdrawals", "payments.Withdrawal", Q(status="requested"), "payments:backoffice_withdrawals"),
    ("Account deletions", "accounts.DeletionRequest", Q(status="pending"), "backoffice:deletion_requests"),
]


@dataclass(frozen=True)
class Queue:
    label: str
    count: int
    oldest: datetime | None
    url: str


def backoffice_queues():
    """Every queue's waiting count and oldest waiting item, in the order support works them."""
    rows = []
    for label, model_label, waiting, url_name in QUEUES:
        try:
            model = apps.get_model(model_label)
            url = reverse(url_name)
        except (LookupError, NoReverseMatch):
            continue
        summary = model._default_manager.filter(waiting).aggregate(count=Count("pk"), oldest=Min("created_at"))
        rows.append(Queue(label=label, count=summary["count"], oldest=summary["oldest"], url=url))
    return rows
