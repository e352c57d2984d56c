from django import template

from common.money import format_cents
from payments import selectors

register = template.Library()


@register.simple_tag
def balance_for(user):
    """The Balance of `user` for cards included in other apps' pages (one query for the accounts)."""
    return selectors.balance_of(user)


@register.simple_tag
def withdrawals_waiting():
    return selectors.withdrawals_waiting_count()


@register.filter
def signed_money(cents):
    sign = "+" if cents > 0 else "−" if cents < 0 else ""
    return f"{sign}{format_cents(abs(cents))}"
