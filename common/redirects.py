"""Where to send someone back to: only a path on this site, never another host, never a view name.

Every `next` the site honours (forms, buttons, the top-up return) goes through `safe_next`; a view that
redirects with it passes the result to `redirect_back`, which never treats text as a view name."""

from urllib.parse import urlsplit

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(url):
    """`url` when it is a path on this site ("/orders/3/"), otherwise ""."""
    if not isinstance(url, str) or not url.startswith("/") or "\x00" in url or "\\" in url:
        return ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts=None, require_https=False):
        return url
    return ""


def next_from(request, *, referer=False):
    """The safe `next` of a POST or GET (and, when asked, the Referer's path), or ""."""
    for candidate in (request.POST.get("next"), request.GET.get("next")):
        if safe := safe_next(candidate):
            return safe
    if referer:
        ref = request.META.get("HTTP_REFERER") or ""
        parts = urlsplit(ref)
        if parts.netloc == request.get_host():
            return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    return ""


def redirect_back(request, fallback, *, referer=False):
    """Redirect to the request's safe `next` or to `fallback` (a URL, never a view name)."""
    return HttpResponseRedirect(next_from(request, referer=referer) or fallback)
