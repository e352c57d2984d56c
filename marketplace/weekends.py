"""C10: the weekend clock, one rule for the catalogue, the Kwork page and ordering (pure; no database)."""

import calendar

from django.utils import timezone

from . import rules


def is_weekend_window(now=None):
    """C10: Friday 00:00 UTC up to Monday 00:00 UTC."""
    now = timezone.localtime(now or timezone.now(), timezone.UTC)
    start, end = rules.WEEKEND_HIDE_FROM_WEEKDAY, rules.WEEKEND_HIDE_UNTIL_WEEKDAY
    weekday = now.weekday()
    if start <= end:
        return start <= weekday < end
    return weekday >= start or weekday < end


def weekend_window_text():
    """C10 for pages: "Friday 00:00 to Monday 00:00 (UTC)", from the weekday numbers of rules.py."""
    start, end = (
        calendar.day_name[day] for day in (rules.WEEKEND_HIDE_FROM_WEEKDAY, rules.WEEKEND_HIDE_UNTIL_WEEKDAY)
    )
    return f"{start} 00:00 to {end} 00:00 (UTC)"


def weekend_days_text():
    """C10 for messages: "from Friday to Monday"."""
    start, end = (
        calendar.day_name[day] for day in (rules.WEEKEND_HIDE_FROM_WEEKDAY, rules.WEEKEND_HIDE_UNTIL_WEEKDAY)
    )
    return f"from {start} to {end}"
