"""The bench's URLconf: the site's own URLs plus two reference pages that only bench/catalogue_bench.py serves
(through bench/floor_settings.py, never in the deployed site).

- /bench/floor/: a bare template view — the same middleware (sessions, auth, CSRF, last seen, time zone, …)
  and one small template, no context processors and no queries of its own. Every page is compared with it.
- /bench/frame/: the site's base layout with an empty page (header, footer, context processors), to show what
  the frame alone costs."""

import time

from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_safe

from config.urls import urlpatterns as site_urlpatterns

_FLOOR = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Floor</title></head>'
    "<body><p>{{ path }}</p></body></html>"
)


class ServerTimingMiddleware:
    """First in the bench's MIDDLEWARE: the time from the worker taking the request to the response and the
    worker's CPU time for it, sent as `Server-Timing: app;dur=<ms>, cpu;dur=<ms>` for the bench's client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started, cpu = time.perf_counter(), time.process_time()
        response = self.get_response(request)
        # cpu: the worker's own CPU time (Python; PostgreSQL and Redis work in their own processes). Waiting for
        # a core on a loaded machine does not count in it, so it compares across runs better than wall time.
        app, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        response["Server-Timing"] = f"app;dur={app:.2f}, cpu;dur={cpu:.2f}"
        return response


@require_safe
def floor(request):
    return HttpResponse(_FLOOR.render({"path": request.path}))


@require_safe
def frame(request):
    return render(request, "base.html", {})


urlpatterns = [path("bench/floor/", floor), path("bench/frame/", frame), *site_urlpatterns]
