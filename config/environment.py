"""Long-running entry points (gunicorn, uvicorn, the Celery worker and beat) start only with DJANGO_SETTINGS_MODULE
set. Falling back to the local settings would serve production with DEBUG on, SQLite and a filesystem broker; a
production default would hide which settings a process runs under. Each launcher names its settings (Dockerfile,
docker-compose.yml, Procfile.dev); manage.py keeps the local default for developers."""

import os

from django.core.exceptions import ImproperlyConfigured


def require_settings_module():
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        raise ImproperlyConfigured(
            "DJANGO_SETTINGS_MODULE is not set: the web and Celery processes refuse to start rather than guess. "
            "Set it to config.settings.production on servers, config.settings.local on a developer machine."
        )
