"""The gunicorn half of the page benchmarks (catalogue_bench.py, order_page_bench.py): start the site under
gunicorn with the bench's URLconf (bench/floor_settings.py: the floor and frame reference pages, Server-Timing),
drive it with N keep-alive clients that each pick a random page kind per request — the floor among them, so it
is measured under the very load the pages see — and print per kind p50/p95/p99 of server, client and worker CPU
time with the ratio to the floor, and the verdict against DESIGN's targets."""

import contextlib
import http.client
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 5  # p50 ≤ 5 × the floor's p50
TARGET_P95_MS = 100
LOGGED_IN_MARK = b">Log out</button>"


def load_text():
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


def percentile(values, pct):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def wait_for(port, seconds=120):  # four workers importing Django on a loaded 2-core box take a while
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/floor/", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port}")


@contextlib.contextmanager
def gunicorn(port, workers, log_prefix):
    """The site under gunicorn on 127.0.0.1:`port`, DEBUG off, with this process's database, cache and secret
    key (so the sessions the bench logs in through Django are valid there). The request log stays on (it is
    part of every request's cost) but goes to a file."""
    from django.conf import settings

    server_log = tempfile.NamedTemporaryFile(prefix=log_prefix, suffix=".log", delete=False)  # noqa: SIM115
    print(f"gunicorn log: {server_log.name}", flush=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.floor_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "LOG_LEVEL": "INFO",
    }
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--no-control-socket",  # gunicorn 27 shares one control socket path between instances otherwise
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(port)
        yield
    finally:
        server.terminate()
        server.wait(timeout=20)
        server_log.close()


def is_logged_in_kind(kind):
    return kind.endswith("user")


def entry(url):
    """A URL of `urls`: a path, or (path, expected status, extra request headers)."""
    return (url, 200, {}) if isinstance(url, str) else url


def warm_up(port, urls, cookies, per_client=None):
    """Every URL once, anonymous and logged in: the measured run sees warm caches (grids, cards, sessions),
    as a site in steady use does."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for index, cookie in enumerate(cookies):
        kinds = dict(urls) if index == 0 else {}
        kinds.update((per_client or {}).get(index, {}))
        for kind, kind_urls in kinds.items():
            for url, _, extra in map(entry, kind_urls):
                headers = {"Host": "127.0.0.1", **extra}
                if is_logged_in_kind(kind):
                    headers["Cookie"] = cookie
                conn.request("GET", url, headers=headers)
                conn.getresponse().read()
    conn.close()


def run_load(port, urls, cookies, requests_per_client, max_seconds, per_client=None):
    """One thread per session cookie; each request picks a page kind at random (all kinds equally often, so
    the floor is measured under the same load as the pages), then a URL of that kind: `urls` {kind: [url or
    (url, expected status, extra headers)]} shared by every client, `per_client` {client index: {kind: [...]}}
    for pages only that client's person may see (their order). Kinds ending in "user" send the client's session
    cookie; anonymous ones none. Returns {kind: [(client ms, server ms, worker CPU ms, bytes)]}, errors and the
    wall time."""
    results = {kind: [] for kind in urls}
    for kinds in (per_client or {}).values():
        results.update({kind: [] for kind in kinds})
    errors = []
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def worker(index, cookie):
        rng = random.Random(index)
        mine = {**urls, **(per_client or {}).get(index, {})}
        kinds = sorted(mine)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local = {kind: [] for kind in mine}
        for _ in range(requests_per_client):
            if time.monotonic() > deadline:
                break
            kind = rng.choice(kinds)
            url, status_wanted, extra = entry(rng.choice(mine[kind]))
            headers = {"Host": "127.0.0.1", **extra}
            if is_logged_in_kind(kind):
                headers["Cookie"] = cookie
            started = time.perf_counter()
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
                timing = response.getheader("Server-Timing", "")
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{url}: {error}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if status != status_wanted:
                errors.append(f"{kind} {url}: HTTP {status}")
            elif is_logged_in_kind(kind) and status == 200 and not extra and LOGGED_IN_MARK not in body:
                errors.append(f"{kind} {url}: not logged in")
            durations = dict(part.strip().split(";dur=") for part in timing.split(",") if ";dur=" in part)
            local[kind].append(
                (elapsed, float(durations.get("app", "nan")), float(durations.get("cpu", "nan")), len(body))
            )
        conn.close()
        with lock:
            for kind, values in local.items():
                results[kind].extend(values)

    threads = [threading.Thread(target=worker, args=(i, cookie)) for i, cookie in enumerate(cookies)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors, time.monotonic() - started


def print_tables(results, kinds, measured):
    """Per kind p50/p95/p99/max of server, client and CPU time with p50 ÷ the floor's; then the verdict of the
    `measured` kinds: client p50 ≤ TARGET_RATIO × the client floor (both queue for the same workers, as issue
    14 measured it) and server p95 < TARGET_P95_MS (as DESIGN.md states it)."""
    floors = {}
    for label, column in (
        ("server time (Server-Timing: in the worker)", 1),
        ("client time (with queueing)", 0),
        ("worker CPU time (Python only; hardly moved by the machine's load)", 2),
    ):
        print(f"{label}:")
        floor = floors[column] = statistics.median(values[column] for values in results["floor"])
        print(f"  {'page':<22}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'p50÷floor':>11}")
        for kind in kinds:
            values = [row[column] for row in results.get(kind, [])]
            if values:
                print(
                    f"  {kind:<22}{len(values):>6}{statistics.median(values):>9.1f}{percentile(values, 95):>9.1f}"
                    f"{percentile(values, 99):>9.1f}{max(values):>9.1f}{statistics.median(values) / floor:>11.1f}"
                )
    print(f"verdict (client p50 ≤ {TARGET_RATIO} × client floor p50, server p95 < {TARGET_P95_MS} ms):")
    for kind in measured:
        if results.get(kind):
            ratio = statistics.median(row[0] for row in results[kind]) / floors[0]
            p95 = percentile([row[1] for row in results[kind]], 95)
            verdict = "met" if ratio <= TARGET_RATIO and p95 < TARGET_P95_MS else "NOT met"
            size = statistics.median(row[3] for row in results[kind])
            print(f"  {kind:<22}{ratio:>6.1f} ×{p95:>9.1f} ms  {verdict}   ({size:,.0f} bytes)")


def measure(*, port, workers, log_prefix, urls, cookies, requests, max_seconds, kinds, measured):
    """gunicorn started, every URL warmed, the load run and its tables printed with the load average before,
    at the start and at the end. Returns (results, errors)."""
    load_before = load_text()
    with gunicorn(port, workers, log_prefix):
        warm_up(port, urls, cookies[:1])
        load_start = load_text()
        results, errors, wall = run_load(port, urls, cookies, requests, max_seconds)
        load_end = load_text()
    total = sum(len(values) for values in results.values())
    print(f"load average: before gunicorn {load_before}; at the start {load_start}; at the end {load_end}")
    print(f"{total} requests in {wall:.1f} s = {total / wall:.0f} req/s; errors: {len(errors)}")
    print_tables(results, kinds, measured)
    return results, errors
