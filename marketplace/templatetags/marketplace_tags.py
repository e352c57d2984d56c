from django import template

from common.money import format_cents
from marketplace import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def cart_count(context):
    """C13: the number of items in the cart, for the header (one small query, only where shown)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return selectors.cart_count(user=user) if user is not None else 0


@register.filter
def whole_money(cents):
    """`{{ 1000|whole_money }}` → "$10": rule amounts in running text (prices are whole dollars)."""
    return format_cents(cents).removesuffix(".00")
