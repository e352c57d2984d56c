"""Production: every secret from the environment; refuses to start without them."""

from django.core.exceptions import ImproperlyConfigured

from .base import *

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a long random value in production.")
if not env("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
if not REDIS_URL:
    # Without it each container would quietly use its own filesystem broker and cache: tasks sent by the web
    # would never reach the worker, and rate limits would count per process.
    raise ImproperlyConfigured("REDIS_URL must point at Redis in production (Celery broker, cache, rate limits).")
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
MAILERS = {"default": {"BACKEND": env("EMAIL_BACKEND", SMTP_BACKEND)}}
if MAILERS["default"]["BACKEND"] == SMTP_BACKEND:
    # SMTP's options only for SMTP: another backend (django-anymail, the file backend) would refuse them.
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", "localhost"),
        "port": int(env("EMAIL_PORT", "587")),
        "username": env("EMAIL_HOST_USER", ""),
        "password": env("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
    }
elif env("EMAIL_FILE_PATH"):
    MAILERS["default"]["OPTIONS"] = {"file_path": env("EMAIL_FILE_PATH")}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# docker-compose puts nginx in front of gunicorn; add one for each further proxy (a TLS terminator, a CDN).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "1"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# nginx sends private files after the download view's check (deploy/nginx.conf: location /_private/) and
# serves public /media/ itself. Without nginx in front: PRIVATE_MEDIA_X_ACCEL= and DJANGO_SERVE_MEDIA=1.
PRIVATE_MEDIA_X_ACCEL = env("PRIVATE_MEDIA_X_ACCEL", "/_private/")
PAYMENTS_TEST_TOPUP = False  # P1: the test-mode top-up can never be switched on in production
