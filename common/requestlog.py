"""One log line per request for operators, on the logger "gigly.request", in plain key=value form so it greps:
`method=POST path=/orders/12/accept/ status=302 duration_ms=41 user=7` (user=- when nobody is signed in)."""

import logging
import time
from urllib.parse import quote

from django.utils.functional import empty

logger = logging.getLogger("gigly.request")


class RequestLogMiddleware:
    """First in MIDDLEWARE, so the duration covers every other middleware too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        logger.info(
            "method=%s path=%s status=%s duration_ms=%d user=%s",
            request.method,
            quote(request.path),  # no query string: it may carry tokens
            response.status_code,
            (time.monotonic() - started) * 1000,
            _user_id(request),
        )
        return response


class OneLinePerRequest(logging.Filter):
    """On the console handler: the line above already records every request, so Django's own words about a 4xx
    (django.request's "Not Found", a 403 with its traceback, django.security's 400s) and runserver's access line
    are not written a second time. A 5xx keeps Django's error and its traceback: that one needs reading."""

    def filter(self, record):
        if not record.name.startswith("django."):
            return True
        status = getattr(record, "status_code", None)
        if status is None:
            return True
        return record.name != "django.server" and status >= 500


def _user_id(request):
    user = getattr(request, "user", None)
    # A user nobody looked at is not loaded just for the log line (no extra query).
    if user is None or getattr(user, "_wrapped", None) is empty:
        return "-"
    return user.pk if user.is_authenticated else "-"
