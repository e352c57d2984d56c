"""`{{ amount_cents|money }}` → "$1,234.50" (common.money.format_cents)."""

from django import template

from common.money import format_cents

register = template.Library()


@register.filter
def money(cents):
    return format_cents(cents)
