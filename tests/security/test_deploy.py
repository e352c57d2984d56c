"""Production settings and the proxy in front: mail backends, the visitor's address behind nginx, the health check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from common.ratelimit import client_key

ROOT = Path(__file__).resolve().parents[2]


def env_example():
    pairs = (line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines())
    return {key: value for key, value in (p for p in pairs if len(p) == 2) if not key.startswith("#")}


def run_production(code, **extra):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND"}},
        **env_example(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        **extra,
    }
    return subprocess.run(  # noqa: S603 (the test's own code)
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_can_use_a_mail_backend_other_than_smtp(tmp_path):
    send = "from django.core.mail import send_mail; send_mail('Hi', 'Body', 'a@gigly.test', ['b@gigly.test'])"
    result = run_production(
        send,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()), "the message was written by the file backend"


def test_production_smtp_gets_its_options():
    code = "from django.conf import settings; print(sorted(settings.MAILERS['default']['OPTIONS']))"
    result = run_production(code)
    assert result.returncode == 0, result.stderr
    assert "'host'" in result.stdout and "'use_tls'" in result.stdout


def test_production_trusts_the_one_proxy_of_docker_compose():
    code = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    result = run_production(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


def anonymous(forwarded_for=None, remote="10.0.0.2"):
    from django.contrib.auth.models import AnonymousUser

    extra = {"REMOTE_ADDR": remote}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    request = RequestFactory().post("/accounts/signup/", **extra)
    request.user = AnonymousUser()
    return request


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_COUNT=1)
def test_t4_behind_the_proxy_each_visitor_has_their_own_rate_limit():
    # nginx (REMOTE_ADDR 10.0.0.2 for everyone) appends the visitor's address to X-Forwarded-For.
    first = client_key(anonymous("203.0.113.7"))
    second = client_key(anonymous("198.51.100.9"))
    assert first == "ip203.0.113.7" and second == "ip198.51.100.9"
    # Whatever a visitor writes into the header themselves comes before what nginx appends, and is ignored.
    assert client_key(anonymous("1.2.3.4, 203.0.113.7")) == "ip203.0.113.7"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0, TRUSTED_PROXY_COUNT=0)
def test_t4_without_a_trusted_proxy_the_header_is_ignored():
    assert client_key(anonymous("203.0.113.7")) == "ip10.0.0.2"


@pytest.mark.django_db
@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_COUNT=1)
def test_t4_allauth_login_lock_out_counts_per_visitor_behind_the_proxy(client, user, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    for _ in range(3):
        client.post("/accounts/login/", {"login": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.7")
    blocked = client.post(
        "/accounts/login/", {"login": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert "Too many failed login attempts" in blocked.content.decode()
    other = client.post(
        "/accounts/login/", {"login": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.9"
    )
    # Another visitor behind the same proxy is not locked out.
    assert "Too many failed login attempts" not in other.content.decode()


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["gigly.example.com"], SECURE_SSL_REDIRECT=True)
def test_health_check_of_the_container_is_answered(client):
    # docker-compose's health check calls http://127.0.0.1:8000/health/: not an allowed host, not HTTPS.
    response = client.get("/health/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    # Every other page still refuses a host that is not ours.
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400


def test_the_proxy_refuses_the_same_body_size_as_django():
    # nginx answers 413 itself above client_max_body_size; it must not be lower than Django's cap (the form
    # would never get to say what is wrong) nor higher (gunicorn would receive what Django refuses anyway).
    import re

    from django.conf import settings

    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    megabytes = int(re.search(r"client_max_body_size\s+(\d+)m;", conf).group(1))
    assert megabytes * 1024 * 1024 == settings.MAX_REQUEST_BODY_BYTES
