"""Issue 13: Ctrl-C stops `make run` without honcho having to SIGKILL the Celery worker.

`make run` starts Procfile.dev under honcho; on Ctrl-C honcho sends SIGTERM to each process group and, once one
of them has stopped, waits honcho.manager.KILL_WAIT seconds before a SIGKILL. The worker used to take longer:
Celery's blocking loop for the filesystem broker noticed the shutdown only after two 2-second waits, and Python
then spent seconds tearing the process down (config/broker.py, config/celery.py)."""

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from honcho.manager import KILL_WAIT

from config import broker

ROOT = Path(settings.BASE_DIR)
READY_SECONDS = 180  # start-up on a busy machine: Django, every app's tasks, the broker's folders


def embedded_default_env(tmp_path):
    """`make run`'s environment: no REDIS_URL (the filesystem broker), the local settings; only the folders and
    the database file are this test's own."""
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_FILESYSTEM_DIR=str(tmp_path / "celery"),
        CELERY_BEAT_SCHEDULE_FILENAME=str(tmp_path / "celerybeat-schedule"),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.mark.slow
def test_ctrl_c_under_honcho_stops_the_worker_without_a_sigkill(tmp_path):
    # Procfile.dev's own worker and beat lines; the web server is stood in for by a process that stops at once
    # on SIGTERM, so honcho's countdown to SIGKILL starts as early as it can.
    lines = [
        line for line in (ROOT / "Procfile.dev").read_text().splitlines() if re.match(r"(worker|beat):", line)
    ]
    assert [line.split(":")[0] for line in lines] == ["worker", "beat"]
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: exec sleep 600\n" + "\n".join(lines) + "\n")
    honcho = subprocess.Popen(  # noqa: S603 - our own tools, fixed arguments
        [str(ROOT / ".venv" / "bin" / "honcho"), "-f", str(procfile), "-d", str(ROOT), "start"],
        cwd=ROOT,
        env=embedded_default_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    reader = threading.Thread(target=lambda: output.extend(honcho.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not any(" ready." in line for line in output):
            assert honcho.poll() is None, "".join(output)
            assert time.monotonic() < deadline, "the worker did not start:\n" + "".join(output)
            time.sleep(0.2)

        honcho.send_signal(signal.SIGINT)  # Ctrl-C in make run's terminal reaches honcho
        honcho.wait(KILL_WAIT + 20)
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
    reader.join(5)
    log = "".join(output)
    assert "Warm shutdown" in log, log
    assert "SIGKILL" not in log, log  # honcho never had to kill anything
    assert re.search(r"worker\.1 stopped", log), log


def test_the_embedded_broker_waits_at_most_a_quarter_second_per_cycle(tmp_path):
    # Celery's blocking loop asks for two seconds; the transport caps it so a shutdown is noticed at once.
    if not settings.REDIS_URL:
        assert settings.CELERY_BROKER_TRANSPORT == "config.broker:Transport"
    asked = []
    with mock.patch.object(
        broker.FilesystemTransport, "drain_events", lambda self, connection, timeout=None: asked.append(timeout)
    ):
        transport = broker.Transport.__new__(broker.Transport)
        transport.drain_events(None, timeout=2.0)
        transport.drain_events(None, timeout=None)
        transport.drain_events(None, timeout=0.1)
    assert asked == [broker.WAIT_SECONDS, broker.WAIT_SECONDS, 0.1]
    assert broker.Transport.polling_interval <= broker.WAIT_SECONDS
