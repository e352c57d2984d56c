import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import UserFactory, verified
from tests.support import new_cache_namespace

E2E = Path(__file__).parent / "e2e"

# Hypothesis, one switch: HYPOTHESIS_PROFILE. "ci" (.ci/run) runs every state machine in full, the examples its
# test names; "dev", the default, runs max_examples of each so a local run stays short; "long" hunts for longer.
# tests/support.py's machine_settings applies it.
hypothesis_settings.register_profile(
    "ci", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
hypothesis_settings.register_profile("dev", hypothesis_settings.get_profile("ci"), max_examples=5)
hypothesis_settings.register_profile("long", hypothesis_settings.get_profile("ci"), max_examples=500)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E in item.path.parents:
            # One worker runs the browser tests (one Chromium and one live_server instead of one per worker).
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("browser"))
    # Slow tests first, so that under xdist (`make test`) they start early instead of ending the run alone on one
    # worker. This runs before pytest-django's stable sort by kind of database use, which keeps this order within
    # each kind.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    new_cache_namespace(settings)  # rate-limit counters never leak between tests (or xdist workers)


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
def seller(db):
    """The person who sells in a test: verified, in the default (buyer) mode like everyone after sign-up."""
    return verified(UserFactory())


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client
