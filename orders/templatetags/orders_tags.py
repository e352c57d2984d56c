"""Tags of the orders app's hook templates (header link count, dashboard cards)."""

from uuid import uuid4

from django import template
from django.utils import timezone
from django.utils.html import format_html

from common import dates
from orders import rules, selectors

register = template.Library()


def _role(role):
    return rules.SELLER if role == rules.SELLER else rules.BUYER


def _cached(context, key, compute):
    """Computed once per rendering, however many included templates ask."""
    cache = context.render_context.setdefault("orders_tags", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


@register.simple_tag(takes_context=True)
def orders_counts(context, role):
    """{% orders_counts "buyer" as counts %}: counts.action (selectors.action_counts: total, to_start, …) and
    counts.states (selectors.state_counts: active, completed, all, …)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"action": {}, "states": {}}
    role = _role(role)
    return {
        "action": _cached(context, ("action", role), lambda: selectors.action_counts(user=user, role=role)),
        "states": _cached(context, ("states", role), lambda: selectors.state_counts(user=user, role=role)),
    }


@register.inclusion_tag("orders/partials/countdown.html")
def countdown(at):
    """A deadline with the time left (or overdue) as text (common.dates.time_left: "less than a minute left",
    then "overdue", never "0m left"), animated by static/js/app.js in the same words."""
    if at is None:
        return {"at": None}
    text, late = dates.time_left(at, timezone.now())
    return {"at": at, "late": late, "text": text}


@register.simple_tag
def order_key_field():
    """The "Order now" form's one-time key (services.order_place: a double click places one order)."""
    return format_html('<input type="hidden" name="order_key" value="{}">', uuid4().hex)
