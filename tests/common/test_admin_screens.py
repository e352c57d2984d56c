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
from common.admin import StaffAdmin, StaffTabularInline
from payments.models import PromoCode

pytestmark = pytest.mark.django_db

# "C11(b): …", "O3: …" as the help texts had them, and "(O14)" in a heading.
RULE_ID = re.compile(r"\b[A-Z]{1,2}\d+(\([a-z]\))?:|\([A-Z]{1,2}\d+(\([a-z]\))?\)")
RAW_CENTS_LABEL = re.compile(r"\b[Cc]ents\b")
NOW = {
    "valid_from_0": "2026-12-01",
    "valid_from_1": "00:00:00",
    "created_at_0": "2026-12-01",
    "created_at_1": "00:00:00",
}
TAG = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def _visible_text(html):
    return TAG.sub(" ", html)


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


def _money_values(rows):
    """Raw cents of the rows' money fields that would be recognisable on a page (four digits and more), less the
    rows' own ids, which lists show as bare numbers (PostgreSQL's sequences are not rolled back between tests, so
    an id can equal an amount)."""
    return {
        abs(getattr(row, field.name))
        for row in rows
        for field in row._meta.concrete_fields
        if field.name.endswith("_cents") and abs(getattr(row, field.name) or 0) >= 1000
    } - {row.pk for row in rows}


def _pages(user):
    """(url, raw cents that must not show) for the list and the first row's change page of every registered
    model (the admin's own rows: the moderation queue lists only waiting Kworks)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    yield reverse("admin:index"), set()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if model_admin.has_add_permission(request):
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_add"), set()
        rows = list(model_admin.get_queryset(request).order_by("pk")[:50])
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), _money_values(rows)
        if rows:
            yield (
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[rows[0].pk]),
                _money_values(rows[:1]),
            )


@pytest.mark.parametrize("login", ["ada", "maria"])
def test_no_rule_ids_and_no_raw_cents_on_any_admin_page(client, demo, login):
    user = User.objects.get(username=login)
    client.force_login(user)
    problems = []
    walked = 0
    for url, raw_cents in _pages(user):
        response = client.get(url)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, url
        walked += 1
        text = _visible_text(response.text)
        for cents in raw_cents:
            # Not part of a word, an id or a reference ("order:1000", "#1000": PostgreSQL's sequences are not
            # rolled back between tests, so any id may reach a round number).
            if re.search(rf"(?<![\w,.:#/]){cents}(?![\w,])", text):
                problems.append(f"{url}: raw cents {cents}")
        for match in RULE_ID.finditer(text):
            problems.append(f"{url}: {text[max(0, match.start() - 60) : match.end() + 40]!r}")
        for match in RAW_CENTS_LABEL.finditer(text):
            problems.append(f"{url}: {text[max(0, match.start() - 60) : match.end() + 40]!r}")
    assert not problems, "\n".join(problems)
    assert walked >= (20 if login == "ada" else 4)


def test_every_project_admin_shows_money_in_dollars():
    """Every ModelAdmin and inline of the project's apps is built on the staff bases (money in dollars)."""
    project_apps = {"accounts", "payments", "marketplace", "orders", "ratings", "buyer_requests"}
    for model, model_admin in admin.site._registry.items():
        # The User and e-mail admins extend Django's and allauth's (no money in them).
        if model._meta.app_label not in project_apps or model._meta.object_name in ("User", "EmailAddress"):
            continue
        assert isinstance(model_admin, StaffAdmin), model
        for inline in model_admin.inlines:
            assert issubclass(inline, StaffTabularInline), inline


def test_money_shows_in_dollars_in_lists_and_change_pages(admin_client, seller):
    from tests.marketplace.factories import KworkFactory

    kwork = KworkFactory(seller=seller, price_cents=1500, title="I will write a clear product description")
    listing = admin_client.get(reverse("admin:marketplace_kwork_changelist")).text
    assert ">$15.00<" in listing and ">1500<" not in listing
    page = admin_client.get(reverse("admin:marketplace_kwork_change", args=[kwork.pk])).text
    assert "$15.00" in page and "1500" not in _visible_text(page) and "Price cents" not in page


def test_staff_type_promo_amounts_in_dollars(admin_client):
    add = admin_client.get(reverse("admin:payments_promocode_add")).text
    assert "Amount ($)" in add and "in cents" not in add
    response = admin_client.post(
        reverse("admin:payments_promocode_add"),
        {"code": "WINTER", "amount_cents": "12.50", **NOW},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    promo = PromoCode.objects.get(code="WINTER")
    assert promo.amount_cents == 1250
    page = admin_client.get(reverse("admin:payments_promocode_change", args=[promo.pk])).text
    assert 'value="12.50"' in page
    listing = admin_client.get(reverse("admin:payments_promocode_changelist")).text
    assert ">$12.50<" in listing


def test_a_typo_in_a_dollar_amount_is_refused_with_a_message(admin_client):
    response = admin_client.post(
        reverse("admin:payments_promocode_add"),
        {"code": "TYPO", "amount_cents": "12,5x", **NOW},
    )
    assert response.status_code == 200 and "Enter a number." in response.text
    assert not PromoCode.objects.filter(code="TYPO").exists()
