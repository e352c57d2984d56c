"""`{{ amount_cents|money }}` → "$1,234.50". Money is integer cents everywhere; only templates format it."""

from django import template

register = template.Library()


def format_cents(cents):
    if cents is None or cents == "":
        return ""
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


@register.filter
def money(cents):
    return format_cents(cents)
