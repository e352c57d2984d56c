"""Issue 9, the real thing: deploy/nginx.conf in front of gunicorn running the production settings, as in
docker-compose. nginx serves /static/ and public /media/ itself, refuses its internal /_private/ location to
the outside, and sends a delivery file only after Django has checked who asks (X-Accel-Redirect).

Needs nginx on PATH (Debian: apt-get install nginx-light); skipped, saying so, without it."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.accounts.test_roles import env_example

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
DELIVERY = b"PK\x03\x04" + b"the finished logo behind nginx " * 40
AVATAR = b"\x89PNG an avatar served by nginx"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="needs nginx (apt-get install nginx-light)"),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="needs Redis for the production settings: set REDIS_URL"
    ),
]

# Runs under the production settings: an order delivered with a file, and a session for each person.
SETUP = r"""
import json
import sys

import django

django.setup()
from config.celery import app

app.conf.task_always_eager = True  # no worker here: notifications are sent in-process
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile

from orders import services
from orders.models import DeliveryFile
from tests.factories import UserFactory, verified
from tests.marketplace.factories import KworkFactory
from tests.support import fund


def session(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


seller, buyer, stranger = (verified(UserFactory()) for _ in range(3))
kwork = KworkFactory(seller=seller, price_cents=1000)
fund(buyer, 1000)
order = services.order_place(buyer=buyer, kwork=kwork)
services.order_start(order=order, seller=seller)
upload = SimpleUploadedFile("Logo final.zip", open(sys.argv[1], "rb").read(), content_type="application/zip")
services.order_deliver(order=order, seller=seller, message="Here it is.", files=[upload])
row = DeliveryFile.objects.get(delivery__order=order)
from django.contrib.staticfiles.storage import staticfiles_storage

css = staticfiles_storage.stored_name("css/site.css")
print(json.dumps({"css": css, "url": row.file.url, "name": row.file.name, "buyer": session(buyer), "stranger": session(stranger)}))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_conf(folder, *, web_port, port):
    """deploy/nginx.conf as docker-compose mounts it, with the compose host names and volumes made local."""
    server = (ROOT / "deploy" / "nginx.conf").read_text()
    for volume in ("static", "media", "private"):
        server = server.replace(f"/srv/{volume}/", f"{folder / volume}/")
    server = server.replace("server web:8000;", f"server 127.0.0.1:{web_port};")
    server = server.replace("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
    temp = folder / "nginx-temp"
    temp.mkdir()
    paths = " ".join(
        f"{name}_temp_path {temp / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"user root; worker_processes 1; pid {folder / 'nginx.pid'}; error_log {folder / 'nginx-error.log'};\n"
        f"events {{}}\nhttp {{ include /etc/nginx/mime.types; access_log off; {paths}\n{server}\n}}\n"
    )


def get(url, *, cookie=None):
    # A TLS terminator in front of nginx would say https; production redirects plain http.
    headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310  (our own local nginx)
    if cookie:
        request.add_header("Cookie", f"sessionid={cookie}")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_for(url, process):
    for _ in range(200):
        if process.poll() is not None:
            raise AssertionError(f"{process.args[0]} stopped: {process.stderr.read() if process.stderr else ''}")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def stack(tmp_path):
    """gunicorn with the production settings (SQLite here) and nginx in front, on free local ports."""
    for folder in ("static", "media", "private"):
        (tmp_path / folder).mkdir()
    # Production's settings with collectstatic's folder here instead of var/staticfiles (the image's place).
    (tmp_path / "nginx_test_settings.py").write_text(
        f"from config.settings.production import *\n\nSTATIC_ROOT = {str(tmp_path / 'static')!r}\n"
    )
    (tmp_path / "media" / "avatars").mkdir()
    (tmp_path / "media" / "avatars" / "face.png").write_bytes(AVATAR)
    (tmp_path / "private" / "orders").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "PRIVATE_MEDIA_X_ACCEL"}},
        **env_example(),
        "DJANGO_SETTINGS_MODULE": "nginx_test_settings",
        "PYTHONPATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Production needs Redis (cache, broker): this machine's, not the compose file's host name.
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "check": False}
    for command in ("migrate", "collectstatic"):
        done = subprocess.run([sys.executable, "manage.py", command, "--noinput"], **run)  # noqa: S603
        assert done.returncode == 0, done.stderr
    payload = tmp_path / "delivery.zip"
    payload.write_bytes(DELIVERY)
    made = subprocess.run([sys.executable, "-c", SETUP, str(payload)], **run)  # noqa: S603
    assert made.returncode == 0, made.stdout + made.stderr
    data = json.loads(made.stdout.strip().splitlines()[-1])

    web_port, port = free_port(), free_port()
    (tmp_path / "nginx.conf").write_text(nginx_conf(tmp_path, web_port=web_port, port=port))
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{web_port}",
            "-w",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    nginx = subprocess.Popen(  # noqa: S603
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/nginx-health", nginx)
        wait_for(f"http://127.0.0.1:{web_port}/", gunicorn)
        yield base, data
    finally:
        for process in (nginx, gunicorn):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_nginx_and_gunicorn_with_production_settings(stack):
    base, data = stack

    # Static and public media straight from the folders; gunicorn (SERVE_MEDIA off) never sees them.
    status, headers, body = get(f"{base}/static/{data['css']}")
    assert status == 200 and body == (ROOT / "static" / "css" / "site.css").read_bytes()
    assert "immutable" in headers["Cache-Control"]
    status, headers, body = get(f"{base}/media/avatars/face.png")
    assert status == 200 and body == AVATAR and headers["Cache-Control"].startswith("public")

    # The internal location cannot be asked for directly, and private files are not under /media/.
    assert get(f"{base}/_private/{data['name']}")[0] == 404
    assert get(f"{base}/media/{data['name']}")[0] == 404

    # The buyer gets the bytes, sent by nginx after Django's check, under the original name.
    status, headers, body = get(base + data["url"], cookie=data["buyer"])
    assert status == 200 and body == DELIVERY
    assert headers["Content-Disposition"] == 'attachment; filename="Logo final.zip"'
    assert headers["Content-Type"] == "application/zip"
    assert "X-Accel-Redirect" not in headers

    # Another user: 404; logged out: sent to log in. No bytes either way.
    status, headers, body = get(base + data["url"], cookie=data["stranger"])
    assert status == 404 and DELIVERY not in body
    status, headers, body = get(base + data["url"])
    assert status == 302 and "/accounts/login/" in headers["Location"] and DELIVERY not in body
