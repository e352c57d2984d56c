"""The moderators' screens speak to people: every registered model's list and change page, walked by a superuser
and by a moderator, shows money in dollars and no rule ids of the rule book."""

import io
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

# "C11(b): …", "O3: …" as the help texts had them, and "(O14)" in a heading.
RULE_ID = re.compile(r"\b[A-Z]{1,2}\d+(\([a-z]\))?:|\([A-Z]{1,2}\d+(\([a-z]\))?\)")
RAW_CENTS_LABEL = re.compile(r"\b[Cc]ents\b")
TAG = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def _visible_text(html):
    return TAG.sub(" ", html)


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


def _pages(user):
    """The list and the first row's change page of every registered model (the admin's own rows: the moderation
    queue lists only waiting Kworks)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None:
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])


@pytest.mark.parametrize("login", ["ada", "maria"])
def test_no_rule_ids_and_no_raw_cents_on_any_admin_page(client, demo, login):
    user = User.objects.get(username=login)
    client.force_login(user)
    problems = []
    for url in _pages(user):
        response = client.get(url)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, url
        text = _visible_text(response.text)
        for match in RULE_ID.finditer(text):
            problems.append(f"{url}: {text[max(0, match.start() - 60) : match.end() + 40]!r}")
        for match in RAW_CENTS_LABEL.finditer(text):
            problems.append(f"{url}: {text[max(0, match.start() - 60) : match.end() + 40]!r}")
    assert not problems, "\n".join(problems)
