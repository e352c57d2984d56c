"""One way of writing a moment, a day and the time left, on every page and in every e-mail, in the reader's own
time zone (accounts' `User.time_zone`; common.middleware.TimeZoneMiddleware makes it the current one per request).
Templates use the builtin filters of common/templatetags/dates.py; Python-built texts call these functions, with
the recipient's zone when the text is stored or e-mailed."""

import datetime
import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3

DEFAULT_TIME_ZONE = "UTC"
# The formats, in Django's notation; the functions below write them directly (Django's dateformat parses the
# format string on every call: most of a chat page's time), tests/common/test_dates.py checks they agree.
DATETIME_FORMAT = "j M Y, H:i"  # 3 Dec 2026, 22:54
DATE_FORMAT = "j M Y"  # 3 Dec 2026
MONTH_FORMAT = "F Y"  # December 2026
TIME_ZONE_MAX_LENGTH = 64  # the longest IANA name is about 32 characters


@lru_cache(maxsize=1)
def time_zone_names():
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name):
    return isinstance(name, str) and name in time_zone_names()


def validate_time_zone(name):
    if not is_time_zone(name):
        raise ValidationError("Choose a time zone from the list, for example Europe/Berlin.")


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


def zone_of(person):
    """The time zone a person reads in; UTC for nobody, an anonymous visitor, or a name this system lacks."""
    name = getattr(person, "time_zone", "") if person is not None else ""
    return zoneinfo.ZoneInfo(name) if is_time_zone(name) else datetime.UTC


def _zone(zone):
    if zone is None:
        return timezone.get_current_timezone()
    if isinstance(zone, datetime.tzinfo):
        return zone
    return zone_of(zone)  # a person


def _local(value, zone):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value, _zone(zone))
    return value


def zone_abbreviation(local_value):
    """ "CET", "EST", "UTC"; zones without a common abbreviation get their offset: "UTC+04"."""
    name = local_value.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def format_datetime(value, zone=None, *, show_zone=False):
    """ "3 Dec 2026, 22:54" (with show_zone: "3 Dec 2026, 22:54 CET") in `zone` — a tzinfo or a person; the
    current zone when None. Empty for None."""
    if value is None or value == "":
        return ""
    local = _local(value, zone)
    text = f"{_day(local)}, {local.hour:02d}:{local.minute:02d}"
    if show_zone and isinstance(local, datetime.datetime) and local.tzinfo is not None:
        text = f"{text} {zone_abbreviation(local)}"
    return text


def format_date(value, zone=None):
    """ "3 Dec 2026": the day of `value` where the reader is."""
    if value is None or value == "":
        return ""
    return _day(_local(value, zone))


def format_month(value, zone=None):
    """ "December 2026" (member since …)."""
    if value is None or value == "":
        return ""
    local = _local(value, zone)
    return f"{MONTHS[local.month]} {local.year:04d}"


def _day(local):
    return f"{local.day} {str(MONTHS_3[local.month]).title()} {local.year:04d}"


def _span(seconds):
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def time_left(at, now=None):
    """(text, late) for a deadline: "2d 3h left", "5m left", "less than a minute left", then "overdue" and
    "overdue by 5m". Never "0m left". static/js/app.js says the same in the browser."""
    now = now or timezone.now()
    seconds = int((at - now).total_seconds())
    if seconds > 0:
        return ("less than a minute left" if seconds < 60 else f"{_span(seconds)} left"), False
    seconds = -seconds
    return ("overdue" if seconds < 60 else f"overdue by {_span(seconds)}"), True
