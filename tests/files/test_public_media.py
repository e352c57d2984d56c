"""Issue 9: public media (avatars, A9) works in production. nginx serves /media/ in docker-compose
(deploy/nginx.conf), Django serves it itself under `make run` (DEBUG) or with DJANGO_SERVE_MEDIA=1, and the
production settings are proven in a separate process, as the check --deploy test does."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

from accounts.models import User
from tests.accounts.test_roles import env_example
from tests.factories import UserFactory
from tests.files.conftest import body, png
from tests.marketplace.factories import png_bytes

ROOT = Path(__file__).resolve().parents[2]
NGINX = (ROOT / "deploy" / "nginx.conf").read_text()
COMPOSE = (ROOT / "docker-compose.yml").read_text()


@pytest.fixture
def avatar_user(db):
    user = UserFactory()
    user.avatar = png("My face.png")
    user.save()
    return User.objects.get(pk=user.pk)


def test_avatars_get_random_names_in_the_public_folder(avatar_user, settings):
    assert re.fullmatch(r"avatars/[0-9a-f]{32}\.png", avatar_user.avatar.name)
    assert Path(settings.MEDIA_ROOT).resolve() in Path(avatar_user.avatar.path).parents
    assert avatar_user.avatar.url == f"/media/{avatar_user.avatar.name}"


def test_django_serves_public_media_with_serve_media_on_and_debug_off(client, avatar_user, settings):
    settings.DEBUG = False
    settings.SERVE_MEDIA = True
    response = client.get(avatar_user.avatar.url)
    assert response.status_code == 200
    assert body(response) == png_bytes()
    assert response["Cache-Control"].startswith("public")


def test_without_serve_media_django_leaves_media_to_the_web_server(client, avatar_user, settings):
    settings.DEBUG = False
    settings.SERVE_MEDIA = False
    assert client.get(avatar_user.avatar.url).status_code == 404


def test_make_run_serves_public_media(client, avatar_user, settings):
    settings.DEBUG = True
    settings.SERVE_MEDIA = False
    assert client.get(avatar_user.avatar.url).status_code == 200


def test_public_media_cannot_reach_outside_its_folder(client, settings):
    settings.SERVE_MEDIA = True
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    private.mkdir(parents=True, exist_ok=True)
    (private / "secret.txt").write_text("private")
    for path in ("/media/../private/secret.txt", "/media/%2e%2e/private/secret.txt"):
        response = client.get(path)
        assert response.status_code in (400, 404) and b"private" not in body(response)


PRODUCTION_SCRIPT = r"""
import json
from pathlib import Path

import django

django.setup()
from django.conf import settings
from django.test import Client, override_settings

name = "avatars/0123456789abcdef0123456789abcdef.png"
path = Path(settings.MEDIA_ROOT) / name
path.parent.mkdir(parents=True, exist_ok=True)
path.write_bytes(b"\x89PNG production avatar")
client = Client()
host = settings.ALLOWED_HOSTS[0]
served = client.get("/" + settings.MEDIA_URL.strip("/") + "/" + name, secure=True, HTTP_HOST=host)
# The 404 page links static files; collectstatic's manifest is not built here, so plain storage for it.
plain_static = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(SERVE_MEDIA=False, STORAGES=plain_static):
    nginx_job = client.get("/" + settings.MEDIA_URL.strip("/") + "/" + name, secure=True, HTTP_HOST=host)
print(json.dumps({
    "debug": settings.DEBUG,
    "status": served.status_code,
    "body": b"".join(served.streaming_content).decode("latin-1") if served.streaming else "",
    "without_serve_media": nginx_job.status_code,
    "x_accel": settings.PRIVATE_MEDIA_X_ACCEL,
    "media_url": settings.MEDIA_URL,
}))
"""


def production(tmp_path, **extra):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "PRIVATE_MEDIA_X_ACCEL"}},
        **env_example(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        **extra,
    }
    result = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", PRODUCTION_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_serve_an_avatar_when_asked_and_hand_private_files_to_nginx(tmp_path):
    seen = production(tmp_path, DJANGO_SERVE_MEDIA="1")
    assert seen["debug"] is False
    assert seen["status"] == 200 and seen["body"] == "\x89PNG production avatar"
    assert seen["without_serve_media"] == 404  # nginx's job in docker-compose
    assert seen["x_accel"] == "/_private/"


def nginx_location(prefix):
    match = re.search(r"location " + re.escape(prefix) + r" \{(.*?)\n    \}", NGINX, re.S)
    assert match, f"deploy/nginx.conf has no location {prefix}"
    return match.group(1)


def compose_service(name):
    match = re.search(rf"\n  {name}:\n(.*?)(?=\n  \w[\w-]*:\n|\nvolumes:)", COMPOSE, re.S)
    assert match, f"docker-compose.yml has no service {name}"
    return match.group(1)


def test_nginx_serves_static_and_public_media_and_private_files_only_after_django():
    private = nginx_location("/_private/")
    assert re.search(r"^\s*internal;", private, re.M), "the private location must be internal"
    assert "alias /srv/private/;" in private
    assert "alias /srv/media/;" in nginx_location("/media/")
    assert "alias /srv/static/;" in nginx_location("/static/")
    assert "proxy_pass http://gigly_web;" in nginx_location("/")
    assert "server web:8000;" in NGINX


def test_compose_wires_nginx_to_the_same_folders_django_writes():
    nginx = compose_service("nginx")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in nginx
    for volume, mount in (("static", "/srv/static"), ("media", "/srv/media"), ("private", "/srv/private")):
        assert f"- {volume}:{mount}:ro" in nginx
    assert '"8000:80"' in nginx
    app = COMPOSE.split("\nservices:")[0]
    assert "MEDIA_ROOT: /data/media" in app and "- media:/data/media" in app
    assert "PRIVATE_MEDIA_ROOT: /data/private" in app and "- private:/data/private" in app
    assert "PRIVATE_MEDIA_X_ACCEL: /_private/" in app
    assert "- static:/app/var/staticfiles" in app
    assert "ports:" not in compose_service("web"), "gunicorn is reached through nginx only"


def test_a_private_folder_inside_the_public_one_is_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "media" / "private"
    assert "common.E001" in {message.id for message in run_checks(tags=["security"])}
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    assert "common.E001" not in {message.id for message in run_checks(tags=["security"])}
