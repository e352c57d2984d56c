"""Dates and times on every page, one format, in the reader's time zone (common/dates.py). A builtin (settings
TEMPLATES), available in every template without `{% load %}`:

    {{ order.due_at|datetime }}         3 Dec 2026, 22:54
    {{ order.due_at|datetime:"zone" }}  3 Dec 2026, 22:54 CET  (where a deadline matters)
    {{ feedback.created_at|day }}       3 Dec 2026
    {{ user.date_joined|month }}        December 2026

Machine-readable attributes keep Django's own `|date:"c"`."""

from django import template

from common import dates

register = template.Library()


@register.filter
def datetime(value, arg=""):
    return dates.format_datetime(value, show_zone=arg == "zone")


@register.filter
def day(value):
    return dates.format_date(value)


@register.filter
def month(value):
    return dates.format_month(value)
