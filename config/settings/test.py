"""The test suite: in-memory e-mail, eager Celery, fast hashing. DATABASE_URL/REDIS_URL still apply."""

from .base import *

DEBUG = False
ALLOWED_HOSTS = ["*"]
SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = Path(env("TEST_MEDIA_ROOT", "/tmp/gigly-test-media"))
PRIVATE_MEDIA_ROOT = Path(env("TEST_PRIVATE_MEDIA_ROOT", "/tmp/gigly-test-private"))
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = f"gigly-test-{os.getpid()}"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
LOGGING["root"]["level"] = "WARNING"
# Static files come from the finders in tests (live_server serves them); no collected folder needed.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]
