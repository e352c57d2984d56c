"""The embedded default of `make run`: SQLite, filesystem broker, console e-mail."""

from .base import *

DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# E-mail is written to var/mail/ (one file per message): open it to click confirmation links.
MAILERS = {
    "default": {
        "BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"),
        "OPTIONS": {"file_path": str(BASE_DIR / "var" / "mail")},
    }
}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
