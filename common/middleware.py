"""Site-wide protections that every page gets: request size and well-formedness checks before any view runs,
an idle timeout for sessions, and the privacy headers of responses (issue 9)."""

import time
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from common import dates
from common.uploads import MAX_UPLOAD_BYTES

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
HEALTH_PATH = "/health/"


class HealthCheckMiddleware:
    """/health/ answers before the host check and the HTTPS redirect: the container's health check calls
    http://127.0.0.1:8000/health/, which is neither an allowed host nor HTTPS. It says only "ok"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            from common.views import health

            return health(request)
        return self.get_response(request)


class RequestLimitsMiddleware:
    """Refuse a body larger than MAX_REQUEST_BODY_BYTES (413) before anything reads it, and any NUL byte in the
    path, the query string or a form field (400): no view, database or template should ever see one. A number
    too large to convert anywhere below is a 400 too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refuse(request, 400)
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return _refuse(request, 413)
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in request.path_info or b"\x00" in unquote_to_bytes(query):
            return _refuse(request, 400)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Forms are read here, after URL resolution, so views that read the raw body (csrf-exempt webhooks)
        # keep it. CsrfViewMiddleware reads request.POST of the other POSTs anyway.
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        if not request.content_type.startswith(FORM_CONTENT_TYPES):
            return None
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return _refuse(request, 400)
        for upload in request.FILES.values():
            if "\x00" in (upload.name or ""):
                return _refuse(request, 400)
        return None

    def process_exception(self, request, exception):
        # A number beyond what the machine or the database holds (a forged id or a year of 30 digits in a filter)
        # is a malformed request, not a server error.
        if isinstance(exception, OverflowError):
            return _refuse(request, 400)
        return None


def _refuse(request, status):
    template = {400: "400.html", 413: "413.html"}[status]
    context = {
        "max_megabytes": settings.MAX_REQUEST_BODY_BYTES // (1024 * 1024),
        "file_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, template, context, status=status)


class SessionIdleTimeoutMiddleware:
    """A signed-in session ends after SESSION_IDLE_TIMEOUT_SECONDS without a request.

    SESSION_COOKIE_AGE equals the idle timeout, and the session's expiry moves forward each time it is saved;
    saving at most every SESSION_IDLE_REFRESH_SECONDS keeps that from being a database write per request."""

    KEY = "_idle_touched"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_IDLE_REFRESH_SECONDS:
                session[self.KEY] = now
        return response


class PrivacyHeadersMiddleware:
    """Pages of a signed-in person are never stored by browsers or proxies (`Cache-Control: private, no-store`,
    unless the view chose its own caching), and every page denies powerful browser features it never uses."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allow)})" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        if self.permissions_policy and not response.has_header("Permissions-Policy"):
            response.headers["Permissions-Policy"] = self.permissions_policy
        return response


class TimeZoneMiddleware:
    """Every page speaks in the reader's time zone: a signed-in person's own (`User.time_zone`, chosen in the
    settings, detected at sign-up), UTC for everyone else. After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = dates.zone_of(user if user is not None and user.is_authenticated else None)
        with timezone.override(zone):
            return self.get_response(request)
