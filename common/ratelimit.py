"""Fair-use limits on writes (T4), counted in the cache per user (or address) and action."""

import time
from functools import wraps

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.shortcuts import render


def _parse(rate):
    count, _, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[-1]] * int(period[:-1] or 1)
    return int(count), seconds


def _cache_key(key, window):
    return f"rl:{key}:{window}:{int(time.time() // window)}"


def exceeded(key, rate):
    """Whether `key` has used up `rate` in this window, without counting a hit: for limits on what succeeded
    (an account created), checked before and counted after."""
    limit, window = _parse(rate)
    return (cache.get(_cache_key(key, window)) or 0) >= limit


def hit(key, rate):
    """Count one hit; return True when the limit is exceeded. Fixed windows keep this one cache call or two."""
    limit, window = _parse(rate)
    cache_key = _cache_key(key, window)
    if cache.add(cache_key, 1, timeout=window + 1):
        return False
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=window + 1)
        return False
    return count > limit


def client_key(request):
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    return "ip" + client_address(request)


def client_address(request):
    """The visitor's address: behind TRUSTED_PROXY_COUNT proxies, read from X-Forwarded-For the way allauth's
    rate limits read it (one rule for both), otherwise REMOTE_ADDR."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):  # no usable address, or fewer hops than configured
        return request.META.get("REMOTE_ADDR", "")


def ratelimit(action, rate):
    """Decorate a view: POSTs over `rate` ("count/period", named in the caller's rules.py) get HTTP 429 with a
    clear message. `action` names the counter, so views sharing one share the limit."""
    _parse(rate)  # a mistyped rate fails at import, not at the first POST

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and hit(f"{action}:{client_key(request)}", rate):
                return render(request, "429.html", {"action": action}, status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
