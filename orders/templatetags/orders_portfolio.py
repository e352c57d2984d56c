"""C14 on the order page: `{% order_portfolio %}` draws the portfolio card of a completed order for its buyer
(allow / withdraw) or its seller (upload / remove). One query (the order's item)."""

from django import template
from django.utils import timezone

from marketplace.portfolio_selectors import portfolio_items_by_order

from .. import rules
from ..models import Order
from ..services.portfolio import revocable_until

register = template.Library()


@register.inclusion_tag("orders/partials/portfolio.html", takes_context=True)
def order_portfolio(context):
    order, role = context["order"], context.get("role")
    shown = order.status == Order.Status.COMPLETED and role in (rules.BUYER, rules.SELLER)
    item = portfolio_items_by_order([order.pk]).get(order.pk) if shown else None
    until = revocable_until(order)
    return {
        "shown": shown,
        "order": order,
        "role": role,
        "item": item,
        "consent": order.portfolio_consent,
        "revocable_until": until,
        "can_revoke": until is not None and timezone.now() < until,
        "csrf_token": context.get("csrf_token"),
    }
