"""Issue 13: under `make run` each request is one log line (gigly.request); a 4xx is not logged a second time by
Django and carries no traceback, a 5xx keeps Django's error with its traceback."""

import io
import logging

import pytest
from django.test import override_settings
from django.urls import path

from common.requestlog import OneLinePerRequest
from tests.factories import UserFactory, verified

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a real bug")


urlpatterns = [path("boom/", _boom)]


def console_handler():
    [handler] = [
        h for h in logging.getLogger().handlers if any(isinstance(f, OneLinePerRequest) for f in h.filters)
    ]
    return handler


@pytest.fixture
def console(caplog):
    """What the console handler writes (the one `make run` prints), at INFO like `make run`."""
    caplog.set_level(logging.INFO)
    handler = console_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@pytest.mark.parametrize(
    ("url", "status", "who"),
    [
        ("/no-such-page/", 404, None),
        ("/backoffice/", 403, "member"),  # PermissionDenied in support_required
        ("/?q=%00", 400, None),  # a NUL byte (common.middleware)
    ],
)
def test_a_4xx_is_one_line_without_traceback(client, caplog, console, url, status, who):
    if who:
        client.force_login(verified(UserFactory()))
    caplog.clear()
    assert client.get(url).status_code == status

    lines = console.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "gigly.request" in lines[0] and f"status={status}" in lines[0]
    assert "Traceback" not in console.getvalue()
    # At the source too: nothing from django.request, and no record of the request carries a traceback.
    assert [r for r in caplog.records if r.name == "django.request"] == []
    assert [r.name for r in caplog.records if r.exc_info] == []
    assert [r.name for r in caplog.records if r.name == "gigly.request"] == ["gigly.request"]


def test_a_403_from_the_csrf_check_is_one_line(console):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/accounts/login/", {"login": "a", "password": "b"}).status_code == 403
    lines = console.getvalue().splitlines()
    assert len(lines) == 1 and "status=403" in lines[0], lines


@override_settings(ROOT_URLCONF=__name__)
def test_a_500_keeps_djangos_error_with_its_traceback(client, console):
    client.raise_request_exception = False
    assert client.get("/boom/").status_code == 500
    text = console.getvalue()
    assert "Traceback" in text and "RuntimeError: a real bug" in text
    assert "django.request" in text


def test_runservers_access_line_is_left_out_but_its_other_messages_stay(console):
    server = logging.getLogger("django.server")
    server.info('"%s" %s %s', "GET /orders/ HTTP/1.1", "200", "1234", extra={"status_code": 200})
    server.warning('"%s" %s %s', "GET /nope/ HTTP/1.1", "404", "99", extra={"status_code": 404})
    server.error("code 400, message Bad request syntax")
    lines = console.getvalue().splitlines()
    assert len(lines) == 1 and "Bad request syntax" in lines[0], lines


def handlers_reached(name):
    """Every handler a record of logger `name` is written by (its own and its ancestors', while they propagate)."""
    logger, found = logging.getLogger(name), []
    while logger is not None:
        found += [h for h in logger.handlers if not _silent_or_pytests(h)]
        logger = logger.parent if logger.propagate else None
    return found


def _silent_or_pytests(handler):
    return isinstance(handler, logging.NullHandler) or type(handler).__module__.startswith("_pytest")


@pytest.mark.parametrize(
    "name", ["django", "django.request", "django.server", "django.security.csrf", "gigly.request", "celery.worker"]
)
def test_every_record_is_written_by_one_handler_the_filtered_console(name):
    # Django's default config gave "django" a DEBUG-only console handler of its own; under `make run` (DEBUG) each
    # of its lines came out twice, once by it and once by the root's.
    assert handlers_reached(name) == [console_handler()]


def test_with_debug_on_like_make_run_a_404_is_still_one_line(client, console, settings):
    settings.DEBUG = True
    assert client.get("/no-such-page/").status_code == 404
    assert len(console.getvalue().splitlines()) == 1
