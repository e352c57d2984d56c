"""Dates and times on every page, one format, in the reader's time zone (common/dates.py). A builtin (settings
TEMPLATES), available in every template without `{% load %}`:

    {{ order.due_at|datetime }}         3 Dec 2026, 22:54
    {{ order.due_at|datetime:"zone" }}  3 Dec 2026, 22:54 CET  (where a deadline matters)
    {{ feedback.created_at|day }}       3 Dec 2026
    {{ user.date_joined|month }}        December 2026

Machine-readable attributes keep Django's own `|date:"c"`."""

from django import template
from django.utils import timezone

from common import dates

register = template.Library()


def _safely(format_value, value, **options):
    # Like Django's |date: something that is not a date shows as nothing rather than breaking the page.
    try:
        return format_value(value, **options)
    except (AttributeError, TypeError, ValueError):
        return ""


@register.filter
def datetime(value, arg=""):
    return _safely(dates.format_datetime, value, show_zone=arg == "zone")


@register.filter
def day(value):
    return _safely(dates.format_date, value)


@register.filter
def month(value):
    return _safely(dates.format_month, value)


@register.simple_tag
def time_zone_name():
    """The zone the page is shown in, as people read it: "Europe/Berlin", "America/New York"."""
    return str(timezone.get_current_timezone()).replace("_", " ")
