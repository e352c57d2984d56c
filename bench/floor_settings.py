"""Settings of the bench's gunicorn: the local settings (DEBUG off through DJANGO_DEBUG=0) with the bench's
URLconf, which adds the floor and frame reference pages (bench/floor_urls.py), and an outermost middleware that
reports the server time of each response in a `Server-Timing` header (queueing for a worker excluded)."""

from config.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
MIDDLEWARE = ["bench.floor_urls.ServerTimingMiddleware", *MIDDLEWARE]  # noqa: F405
