"""T6: buyers and sellers use the site, moderators the Django admin, support staff the back office."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from accounts import services
from accounts.models import DeletionRequest, User
from tests.factories import UserFactory, in_group, verified

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def moderator(db):
    return in_group(verified(UserFactory(is_staff=True)), "Moderators")


@pytest.fixture
def support(db):
    return in_group(verified(UserFactory()), "Support")


@pytest.mark.django_db
def test_t6_groups_exist_with_their_permissions():
    moderators = Group.objects.get(name="Moderators")
    support = Group.objects.get(name="Support")
    assert moderators.permissions.filter(codename="change_moderationqueue").exists()
    assert not moderators.permissions.filter(codename="view_user").exists()  # T6: Kworks only
    assert support.permissions.filter(codename="change_deletionrequest").exists()
    assert not moderators.permissions.filter(codename="change_deletionrequest").exists()


@pytest.mark.django_db
def test_t6_backoffice_is_for_support_only(client, user, moderator, support):
    assert client.get("/backoffice/").status_code == 302  # anonymous → login
    client.force_login(user)
    assert client.get("/backoffice/").status_code == 403
    client.force_login(moderator)
    assert client.get("/backoffice/").status_code == 403
    client.force_login(support)
    response = client.get("/backoffice/")
    assert response.status_code == 200
    assert "Back office" in response.content.decode()


@pytest.mark.django_db
def test_t6_admin_is_for_moderators_not_support_or_users(client, user, moderator, support):
    client.force_login(user)
    assert client.get("/admin/").status_code == 302
    client.force_login(support)
    assert client.get("/admin/").status_code == 302
    client.force_login(moderator)
    page = client.get("/admin/")
    assert page.status_code == 200
    # Moderators see what they moderate, not deletion requests or the ledger.
    assert "/admin/accounts/deletionrequest/" not in page.content.decode()


@pytest.mark.django_db
def test_t6_header_shows_each_role_its_own_entrance(client, user, moderator, support):
    client.force_login(support)
    page = client.get("/dashboard/").content.decode()
    assert 'href="/backoffice/"' in page and 'href="/admin/"' not in page
    client.force_login(moderator)
    page = client.get("/dashboard/").content.decode()
    assert 'href="/admin/"' in page and 'href="/backoffice/"' not in page
    client.force_login(user)
    page = client.get("/dashboard/").content.decode()
    assert 'href="/admin/"' not in page and 'href="/backoffice/"' not in page


@pytest.mark.django_db
def test_t6_a7_support_carries_out_deletion_in_backoffice(client, support, user):
    req = services.deletion_request_create(user=user, reason="I am closing my business, thanks.")
    client.force_login(support)
    page = client.get("/backoffice/deletions/").content.decode()
    assert "I am closing my business" in page
    client.post(f"/backoffice/deletions/{req.pk}/", {"decision": "delete"})
    req.refresh_from_db()
    assert req.status == DeletionRequest.Status.DONE
    assert User.objects.get(pk=user.pk).anonymised_at is not None


@pytest.mark.django_db
def test_t6_a7_rejecting_a_deletion_needs_a_note(client, support, user):
    req = services.deletion_request_create(user=user, reason="I am closing my business, thanks.")
    client.force_login(support)
    response = client.post(f"/backoffice/deletions/{req.pk}/", {"decision": "reject", "note": ""}, follow=True)
    assert "Write a note to the user" in response.content.decode()
    req.refresh_from_db()
    assert req.status == DeletionRequest.Status.PENDING
    client.post(f"/backoffice/deletions/{req.pk}/", {"decision": "reject", "note": "You have an open order."})
    req.refresh_from_db()
    assert req.status == DeletionRequest.Status.REJECTED


def env_example():
    pairs = (line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines())
    return {key: value for key, value in (p for p in pairs if len(p) == 2) if not key.startswith("#")}


def test_production_settings_pass_check_deploy_without_warnings():
    """With the variables of .env.example, `check --deploy` of the production settings says nothing."""
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL"}
        },
        **env_example(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
