"""O3 end to end with the real machinery: a Celery worker AND Celery beat run as subprocesses on Redis
(settings config.settings.local, not the eager test settings) against this test's PostgreSQL database. An
order whose acceptance deadline has passed must be cancelled and refunded by the beat-scheduled sweep.

Run: REDIS_URL=redis://127.0.0.1:6379/4 DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly_ord \
     .venv/bin/python -m pytest tests/orders/test_celery_worker.py"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from orders import rules, services
from orders.models import Order
from payments.models import EscrowHold
from tests.orders.factories import kwork_of, person
from tests.support import fund, main_of

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(settings.BASE_DIR)
WAIT_SECONDS = 120  # beat fires the every-minute sweeps on the next minute boundary, plus start-up time


def _redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("needs Redis for a real Celery worker: set REDIS_URL=redis://127.0.0.1:6379/4")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure means "not reachable"
        pytest.skip(f"Redis at {url} is not reachable: {exc}")
    return url


def _database_url():
    db = connection.settings_dict
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _start(args, env, log):
    return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def test_o3_real_worker_and_beat_auto_cancel_an_unaccepted_order_and_refund_it(tmp_path):
    redis_url = _redis_url()
    buyer, kwork = person(), kwork_of(price_cents=1200)
    fund(buyer, 1200)
    order = services.order_place(buyer=buyer, kwork=kwork)
    Order.objects.filter(pk=order.pk).update(
        accept_by=timezone.now() - timedelta(minutes=1),
        placed_at=timezone.now() - timedelta(hours=rules.ACCEPT_HOURS, minutes=1),
    )
    assert main_of(buyer) == 0

    import redis

    # No stale tasks from an earlier run: empty Celery's queue, not the whole db (other xdist workers keep their
    # cache keys in it).
    redis.Redis.from_url(redis_url).delete("celery", "unacked", "unacked_index")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }
    worker_log = (tmp_path / "worker.log").open("w")
    beat_log = (tmp_path / "beat.log").open("w")
    worker = _start(
        ["worker", "--pool=solo", "--concurrency=1", "--loglevel=INFO", "-n", "orders-test@%h"], env, worker_log
    )
    beat = _start(["beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")], env, beat_log)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if Order.objects.filter(pk=order.pk, status=Order.Status.CANCELLED).exists():
                break
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            assert beat.poll() is None, (tmp_path / "beat.log").read_text()[-3000:]
            time.sleep(1)
        else:
            pytest.fail(
                f"not cancelled within {WAIT_SECONDS} s\nworker:\n{(tmp_path / 'worker.log').read_text()[-3000:]}"
                f"\nbeat:\n{(tmp_path / 'beat.log').read_text()[-2000:]}"
            )
    finally:
        _stop(beat)
        _stop(worker)
        worker_log.close()
        beat_log.close()
    order = Order.objects.select_related("escrow_hold").get(pk=order.pk)
    assert order.auto_cancelled and order.counts_against_seller
    assert order.cancel_reason == rules.AUTO_UNACCEPTED
    assert order.escrow_hold.status == EscrowHold.Status.REFUNDED
    assert main_of(buyer) == 1200
    assert "orders.tasks.orders_autocancel_unaccepted" in (tmp_path / "worker.log").read_text()
