"""Issue 13: one way of writing dates and times (common/dates.py, the builtin |datetime, |day, |month filters),
in the reader's zone."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from common import dates

MOMENT = datetime(2026, 12, 3, 22, 54, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 9, 5, tzinfo=UTC)
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def render(text, **context):
    return Template(text).render(Context(context))


@pytest.mark.parametrize(
    ("zone", "moment", "day", "month"),
    [
        ("UTC", "3 Dec 2026, 22:54 UTC", "3 Dec 2026", "December 2026"),
        ("Asia/Tokyo", "4 Dec 2026, 07:54 JST", "4 Dec 2026", "December 2026"),
        ("America/Los_Angeles", "3 Dec 2026, 14:54 PST", "3 Dec 2026", "December 2026"),
        ("Asia/Dubai", "4 Dec 2026, 02:54 UTC+04", "4 Dec 2026", "December 2026"),  # no common abbreviation
    ],
)
def test_the_filters_write_the_moment_in_the_current_zone(zone, moment, day, month):
    with timezone.override(ZoneInfo(zone)):
        html = render('{{ v|datetime }}|{{ v|datetime:"zone" }}|{{ v|day }}|{{ v|month }}', v=MOMENT)
    assert html == f"{moment.rsplit(' ', 1)[0]}|{moment}|{day}|{month}"


def test_summer_time_has_its_own_abbreviation():
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert render('{{ v|datetime:"zone" }}', v=SUMMER) == "1 Jul 2026, 11:05 CEST"
        assert render('{{ v|datetime:"zone" }}', v=MOMENT) == "3 Dec 2026, 23:54 CET"


def test_python_texts_use_the_recipients_zone_whatever_is_current():
    class Person:
        time_zone = "Asia/Tokyo"

    with timezone.override(UTC):
        assert dates.format_datetime(MOMENT, Person(), show_zone=True) == "4 Dec 2026, 07:54 JST"
        assert dates.format_date(MOMENT, Person()) == "4 Dec 2026"
        assert dates.format_datetime(MOMENT, ZoneInfo("Europe/Berlin")) == "3 Dec 2026, 23:54"


def test_nothing_shows_for_missing_or_wrong_values_and_dates_stay_dates():
    assert render("[{{ v|datetime }}][{{ v|day }}][{{ v|month }}]", v=None) == "[][][]"
    assert render("[{{ v|datetime }}][{{ v|day }}]", v="not a date") == "[][]"
    assert render("{{ v|day }}", v=date(2026, 2, 1)) == "1 Feb 2026"


@pytest.mark.parametrize("name", ["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires"])
def test_known_zone_names_are_accepted(name):
    assert dates.is_time_zone(name)
    dates.validate_time_zone(name)


@pytest.mark.parametrize("name", ["", "Mars/Base", "europe/berlin", None, 42, "UTC; DROP TABLE"])
def test_anything_else_is_refused_and_read_as_utc(name):
    assert not dates.is_time_zone(name)

    class Person:
        time_zone = name

    assert dates.zone_of(Person()) == UTC


def test_every_template_writes_dates_with_the_one_format():
    # |date:"c" (and 'c') stays for machine-readable attributes; everything people read goes through the filters.
    stray = []
    for path in TEMPLATES.rglob("*.*"):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for fmt in re.findall(r"\|(?:date|time):[\"']([^\"']*)[\"']", line):
                if fmt != "c":
                    stray.append(f"{path.relative_to(TEMPLATES)}:{number}: {fmt}")
            if re.search(r"\|(?:date|time)\s*(?:\}\}|\|)", line):
                stray.append(f"{path.relative_to(TEMPLATES)}:{number}: bare |date")
    assert stray == []


def test_the_written_formats_are_djangos_formats():
    """common/dates.py writes its formats directly (Django's dateformat parses the format on every call); they
    agree with Django's own formatting of the format strings it names, for every month, day and hour."""
    from django.utils import dateformat

    berlin = ZoneInfo("Europe/Berlin")
    for month in range(1, 13):
        for day, hour, minute in ((1, 0, 0), (9, 9, 5), (28, 23, 59)):
            moment = datetime(2026, month, day, hour, minute, 30, tzinfo=UTC)
            local = moment.astimezone(berlin)
            assert dates.format_datetime(moment, berlin) == dateformat.format(local, dates.DATETIME_FORMAT)
            assert dates.format_date(moment, berlin) == dateformat.format(local, dates.DATE_FORMAT)
            assert dates.format_month(moment, berlin) == dateformat.format(local, dates.MONTH_FORMAT)
    assert dates.format_date(date(987, 3, 4)) == dateformat.format(date(987, 3, 4), dates.DATE_FORMAT)
