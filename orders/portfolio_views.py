"""C14 on the order page: the buyer allows or withdraws the portfolio consent, the seller uploads the result.
Thin like orders/views.py: one service call, its refusal shown as is, then back to the order page (PRG)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.ratelimit import ratelimit

from . import rules, services
from .links import order_url
from .views import _login_then, _order_for, _order_page, _refused


def _back(request, order, text):
    messages.success(request, text)
    return redirect(order_url(order.pk, anchor="portfolio"))


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def consent(request, pk):
    order = _order_for(request, pk)
    choice = {"yes": True, "no": False}.get(request.POST.get("consent"))
    try:
        services.order_portfolio_consent_set(order=order, buyer=request.user, consent=choice)
    except DomainError as exc:
        return _refused(request, order, exc)
    if choice:
        return _back(request, order, "Thank you! The seller may now show the result in their portfolio.")
    return _back(request, order, "Done: the seller may not show the result, and anything shown was removed.")


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def upload(request, pk):
    order = _order_for(request, pk)
    try:
        services.order_portfolio_upload(order=order, seller=request.user, upload=request.FILES.get("file"))
    except DomainError as exc:
        return _refused(request, order, exc)
    return _back(request, order, "The result is in your portfolio: it shows on the Kwork page and your profile.")


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def remove(request, pk):
    order = _order_for(request, pk)
    try:
        services.order_portfolio_remove(order=order, seller=request.user)
    except DomainError as exc:
        return _refused(request, order, exc)
    return _back(request, order, "The result was removed from your portfolio.")
