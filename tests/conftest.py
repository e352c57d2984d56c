import uuid

import pytest
from django.conf import settings as django_settings

from tests.factories import UserFactory, verified


def pytest_configure(config):
    config.addinivalue_line("markers", "rule(ids): the SPEC.md rule ids a test checks (also named in the test)")


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A fresh cache namespace per test: rate-limit counters never leak between tests (or xdist workers).
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"t-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {"default": cache}


def is_postgres():
    return "postgresql" in django_settings.DATABASES["default"]["ENGINE"]


@pytest.fixture(autouse=True)
def _postgres_marker(request):
    """`@pytest.mark.postgres`: locking and concurrency need the real database; skip (saying so) without it."""
    if request.node.get_closest_marker("postgres") and not is_postgres():
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/gigly")


@pytest.fixture
def user(db):
    return verified(UserFactory())


@pytest.fixture
def other_user(db):
    return verified(UserFactory())


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client
