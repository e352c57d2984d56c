"""The Celery app of the worker and beat. Task defaults are set once in settings (CELERY_*), and the beat
schedule is gathered from each app's schedule.py once Django is ready."""

import logging
import multiprocessing.util
import os
import shutil
import sys

from celery import Celery, signals

from config.environment import require_settings_module

require_settings_module()

app = Celery("gigly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def build_beat_schedule():
    """Every timed job of the site: the BEAT_SCHEDULE of each installed app's `schedule.py`, so each timed job
    stays next to the code it runs. Needs the app registry (Django set up)."""
    from common.discovery import app_declarations

    schedule = {}
    for entries in app_declarations("schedule", "BEAT_SCHEDULE"):
        schedule.update(entries)
    return schedule


@signals.import_modules.connect(sender=app)
def _gather_beat_schedule(sender, **kwargs):
    # Sent when the worker or beat starts, after Celery's Django fixup has run django.setup() and before beat
    # reads the schedule: settings are loaded too early for it (the app registry is not ready there).
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    sender.conf.beat_schedule = build_beat_schedule()


@app.on_after_configure.connect
def _make_queue_folders(sender, **kwargs):
    # kombu's filesystem transport (the embedded default) needs its folders to exist.
    for folder in (sender.conf.broker_transport_options or {}).values():
        if isinstance(folder, str) and folder.startswith("/"):
            os.makedirs(folder, exist_ok=True)


@signals.worker_shutdown.connect
def _exit_once_stopped(sender, **kwargs):
    """Sent when the worker has stopped: the pool is joined, unacknowledged messages are given back and the
    connection is closed. What is left is Python tearing down a process with the whole site imported, which took
    two to three seconds on a busy machine, too long for honcho's five-second wait on Ctrl-C (`make run`) and
    close to a container's stop timeout. Flush the logs, remove the pool's scratch folder and end. (Not through the
    exit handlers: multiprocessing's joins the pool's already-stopped children, at times for seconds.) Only the
    `celery worker` program: a worker embedded in another process (a test's) leaves it running."""
    from celery.apps.worker import Worker

    if not isinstance(sender, Worker):
        return
    shutil.rmtree(multiprocessing.util.get_temp_dir(), ignore_errors=True)
    logging.shutdown()
    for stream in (sys.__stdout__, sys.__stderr__):
        stream.flush()
    os._exit(sender.exitcode or 0)
