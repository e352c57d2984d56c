from django import template

from marketplace import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def cart_count(context):
    """C13: the number of items in the cart, for the header (one small query, only where shown)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return selectors.cart_count(user=user) if user is not None else 0
