"""T1: a blocked user may read but not act. Every write (any method other than GET/HEAD/OPTIONS) of a blocked
user is refused and sent to the page that explains the block and offers the appeal, except the appeal itself and
logging out. The block is read from the user row (no query): `User.is_blocked`."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BLOCKED_MESSAGE = "Your account is blocked: you can read, but not act. See why and how to appeal below."


class BlockedUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.method not in SAFE_METHODS
            and user is not None
            and user.is_authenticated
            and user.is_blocked
            and not _allowed(request.path)
        ):
            return blocked_response(request)
        return self.get_response(request)


def _allowed(path):
    return path.startswith(reverse("penalties:mine")) or path == reverse("account_logout")


def blocked_response(request):
    url = reverse("penalties:mine")
    messages.error(request, BLOCKED_MESSAGE)
    if getattr(request, "htmx", False):
        response = redirect(url)
        response.status_code = 204
        response["HX-Redirect"] = url
        return response
    return redirect(url)
