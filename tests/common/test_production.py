"""Production fails safe: no process guesses its settings, production needs Redis, Celery's defaults are set once,
beat gathers every app's timers, and operators get one log line per request and per sweep."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

from config.celery import _gather_beat_schedule, app, build_beat_schedule
from orders import tasks as order_tasks
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _env_without(*names, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", *names}}
    return {**env, **extra}


def _run(args, env):
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _env_example():
    pairs = (line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines())
    return {key: value for key, value in (p for p in pairs if len(p) == 2) if not key.startswith("#")}


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi", "config.celery"])
def test_web_and_celery_refuse_to_start_without_a_settings_module(module):
    result = _run([sys.executable, "-c", f"import {module}"], _env_without("DJANGO_SETTINGS_MODULE"))
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stderr
    assert "config.settings.production" in result.stderr


def test_celery_command_refuses_to_start_without_a_settings_module():
    celery = str(Path(sys.executable).with_name("celery"))
    result = _run([celery, "-A", "config", "report"], _env_without("DJANGO_SETTINGS_MODULE"))
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stdout + result.stderr


def test_production_refuses_to_start_without_redis():
    env = _env_without(
        "DATABASE_URL", "REDIS_URL", **_env_example(), DJANGO_SETTINGS_MODULE="config.settings.production"
    )
    env.pop("REDIS_URL")
    result = _run([sys.executable, "manage.py", "check"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: REDIS_URL must point at Redis in production" in result.stderr


def test_celery_task_defaults_are_set_once_for_every_task():
    conf = app.conf
    assert conf.task_acks_late is True and conf.task_reject_on_worker_lost is True
    assert conf.broker_connection_retry_on_startup is True
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert order_tasks.orders_autocomplete.acks_late is True
    assert order_tasks.orders_autocomplete.reject_on_worker_lost is True
    assert conf.beat_schedule_filename.endswith("var/celerybeat-schedule")


def test_beat_schedule_has_every_apps_timers():
    schedule = build_beat_schedule()
    with_timers = set()
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.schedule")
        if module is not None:
            with_timers.add(config.name)
            for name, entry in module.BEAT_SCHEDULE.items():
                assert schedule[name] == entry
    assert {"accounts", "payments", "marketplace", "orders"} <= with_timers
    tasks = {entry["task"] for entry in schedule.values()}
    assert {
        "accounts.tasks.notifications_purge",
        "payments.tasks.payout_batch_run",
        "marketplace.tasks.cart_purge_expired",
        "orders.tasks.orders_autocancel_unaccepted",
    } <= tasks
    autodiscover_modules("tasks")
    for task in tasks:  # every entry names a registered task
        assert task in app.tasks


def test_beat_gets_the_schedule_when_celery_imports_its_modules():
    before = app.conf.beat_schedule
    app.conf.beat_schedule = {}
    try:
        _gather_beat_schedule(sender=app)
        assert app.conf.beat_schedule == build_beat_schedule()
        assert len(app.conf.beat_schedule) >= 4
    finally:
        app.conf.beat_schedule = before


@pytest.mark.django_db
def test_each_request_logs_one_greppable_line(client, caplog):
    caplog.set_level(logging.INFO, logger="gigly.request")
    client.get(reverse("marketplace:home"))
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("accounts:dashboard"))
    lines = [r.getMessage() for r in caplog.records if r.name == "gigly.request"]
    assert len(lines) == 2
    assert lines[0].startswith("method=GET path=/ status=200 duration_ms=")
    assert lines[0].endswith(" user=-")
    assert lines[1].startswith("method=GET path=/dashboard/ status=200 duration_ms=")
    assert lines[1].endswith(f" user={user.pk}")


@pytest.mark.django_db
def test_each_sweep_logs_its_count(caplog):
    caplog.set_level(logging.INFO, logger="gigly.sweeps")
    assert order_tasks.orders_autocomplete.delay().get() == 0
    [line] = [r.getMessage() for r in caplog.records if r.name == "gigly.sweeps"]
    assert line.startswith("sweep=orders_autocomplete handled=0 duration_ms=")
