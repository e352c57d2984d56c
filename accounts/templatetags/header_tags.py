from django import template

from .. import header

register = template.Library()


@register.simple_tag(takes_context=True)
def header_menus(context):
    """{% header_menus %}: the logged-in header's nav, bell and account menu (accounts/header.py)."""
    return header.menus_html(context["request"], context["user"])
