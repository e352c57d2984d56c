"""Issue 13's order-page fixes: a revision needs a real reason; countdowns never say "0m left"."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from orders import rules
from orders.models import Order
from tests.orders.factories import delivered, fresh
from tests.support import snapshot

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["x", "  redo it  ", "a" * (rules.REVISION_REASON_MIN_LENGTH - 1)])
def test_o7_a_revision_reason_shorter_than_the_minimum_changes_nothing(client, buyer, kwork, reason):
    order = delivered(buyer=buyer, kwork=kwork)
    client.force_login(buyer)
    before = snapshot(order)
    response = client.post(reverse("orders:revision", args=[order.pk]), {"reason": reason})
    assert response.status_code == 400
    [error] = response.context["revision_form"].errors["reason"]
    assert f"at least {rules.REVISION_REASON_MIN_LENGTH} characters" in error
    assert error in response.content.decode()
    assert snapshot(order) == before
    assert fresh(order).status == Order.Status.DELIVERED


@pytest.mark.django_db
def test_o7_a_revision_reason_of_the_minimum_length_is_accepted(client, buyer, kwork):
    order = delivered(buyer=buyer, kwork=kwork)
    client.force_login(buyer)
    response = client.post(
        reverse("orders:revision", args=[order.pk]), {"reason": "b" * rules.REVISION_REASON_MIN_LENGTH}
    )
    assert response.status_code == 302
    assert fresh(order).status == Order.Status.IN_PROGRESS


def render_countdown(at):
    return Template("{% load orders_tags %}{% countdown at %}").render(Context({"at": at}))


@pytest.mark.parametrize(
    ("seconds_before", "text", "late"),
    [
        (2 * 86400 + 3 * 3600 + 59, "2d 3h left", False),
        (3 * 3600 + 20 * 60 + 5, "3h 20m left", False),
        (61, "1m left", False),
        (60, "1m left", False),
        (59, "less than a minute left", False),
        (1, "less than a minute left", False),
        (0, "overdue", True),
        (-59, "overdue", True),
        (-60, "overdue by 1m", True),
        (-(26 * 3600), "overdue by 1d 2h", True),
    ],
)
def test_countdown_says_less_than_a_minute_then_overdue_never_0m_left(seconds_before, text, late):
    at = T0 + timedelta(seconds=seconds_before)
    with time_machine.travel(T0, tick=False):
        html = render_countdown(at)
    assert f">{text}</time>" in html
    assert ">0m left" not in html
    assert ("countdown overdue" in html) is late


def test_countdown_as_time_passes_reads_minutes_then_less_than_a_minute_then_overdue():
    due = T0 + timedelta(minutes=2)
    seen = []
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(6):
            seen.append(render_countdown(due).split(">")[-2].removesuffix("</time"))
            clock.shift(timedelta(seconds=30))
    assert seen == [
        "2m left",
        "1m left",
        "1m left",
        "less than a minute left",
        "overdue",
        "overdue",
    ]


def test_countdown_title_gives_the_deadline_in_the_readers_zone():
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    at = datetime(2026, 12, 3, 22, 54, tzinfo=UTC)
    with time_machine.travel(T0, tick=False), timezone.override(ZoneInfo("Europe/Berlin")):
        html = render_countdown(at)
    assert 'title="3 Dec 2026, 23:54 CET"' in html
    assert 'datetime="2026-12-03T23:54:00+01:00"' in html  # the same instant, for the script
