"""T6: find a user or an order by login, e-mail or number, and Support's view of a user."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.models import IdentityCheck, StaffAction
from accounts.roles import support_required
from orders.models import Order

from . import rules
from .models import Ticket

RECENT = 10  # how many of each kind of record the user page lists (newest first)


def _search(query):
    User = get_user_model()
    users, orders = [], []
    if not query:
        return users, orders
    number = query.lstrip("#")
    limit = rules.SEARCH_RESULTS_LIMIT
    if number.isdigit() and len(number) < 19:
        orders = list(Order.objects.filter(pk=int(number)).select_related("buyer", "seller")[:1])
        users = list(User.objects.filter(pk=int(number))[:1])
    text = Q(username__icontains=query) | Q(email__icontains=query)
    users += [user for user in User.objects.filter(text).order_by("username")[:limit] if user not in users]
    return users, orders


@support_required
@require_safe
def search(request):
    query = request.GET.get("q", "").strip()[:100]
    users, orders = _search(query)
    return render(request, "backoffice/search.html", {"query": query, "users": users, "orders": orders})


@support_required
@require_safe
def user_detail(request, pk):
    person = get_user_model().objects.filter(pk=pk).first()
    if person is None:
        raise Http404("No such user.")
    orders = (
        Order.objects.filter(Q(buyer=person) | Q(seller=person))
        .select_related("buyer", "seller")
        .order_by("-pk")[:RECENT]
    )
    context = {
        "person": person,
        "orders": orders,
        "tickets": Ticket.objects.filter(user=person).order_by("-updated_at", "-id")[:RECENT],
        "identity_checks": IdentityCheck.objects.filter(user=person).order_by("-created_at", "-id")[:RECENT],
        "staff_actions": StaffAction.objects.filter(
            target_type=person._meta.label_lower, target_id=str(person.pk)
        ).select_related("actor")[:RECENT],
        "badges": person.badges.select_related("badge"),
    }
    return render(request, "backoffice/user_detail.html", context)
