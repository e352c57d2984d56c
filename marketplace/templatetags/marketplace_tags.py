from django import template

from common.money import format_cents

register = template.Library()


@register.filter
def whole_money(cents):
    """`{{ 1000|whole_money }}` → "$10": rule amounts in running text (prices are whole dollars)."""
    return format_cents(cents).removesuffix(".00")
