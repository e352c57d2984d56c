"""T6: every admin page and action and every back-office page, for every role.

The URLs come from the admin site's registry and the URL resolver, so a page added later is covered without
editing this file. Each role is one test that walks everything and reports every wrong answer at once."""

import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from accounts.roles import MODERATORS, sync_role_permissions
from orders.models import Order

pytestmark = pytest.mark.slow

# T6: moderators work in the admin on Kworks, buyers' requests and feedback (responses R2, removal R1, boosting
# R12), and nothing else: not people, orders or money.
MODERATOR_MODELS = {
    "marketplace.kwork",
    "marketplace.moderationqueue",
    "marketplace.category",
    "marketplace.attribute",
    "ratings.feedback",
    "ratings.feedbackresponse",
    "ratings.feedbackremoval",
    "ratings.boostingflag",
    "buyer_requests.buyerrequest",
}
MODERATOR_ACTIONS = {
    "marketplace.kwork": {"approve", "reject"},
    "marketplace.moderationqueue": {"approve", "reject"},
    "ratings.feedback": {"remove"},
    "ratings.feedbackresponse": {"approve", "reject"},
    "ratings.boostingflag": {"confirm", "dismiss", "remove_boosted"},
    "buyer_requests.buyerrequest": {"activate", "reject"},
}
MODERATOR_SITE_PAGES = {"index", "app_list", "jsi18n", "password_change", "password_change_done", "autocomplete"}

ROLES = ["anonymous", "buyer", "seller", "moderator", "support", "superuser"]
DEMO_LOGINS = {"buyer": "bella", "seller": "sergio", "moderator": "maria", "support": "sam", "superuser": "ada"}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


def login_as(client, role):
    if role == "anonymous":
        return None
    user = User.objects.get(username=DEMO_LOGINS[role])
    client.force_login(user)
    return user


def first_pk(model):
    obj = model._default_manager.order_by("pk").first()
    return obj.pk if obj else 999_999


def admin_pages():
    """(label, name, url) for every URL of the admin: the site's own pages and each registered model's."""
    pages = [("site", "index", reverse("admin:index"))]
    for name in ("jsi18n", "password_change", "password_change_done", "autocomplete"):
        pages.append(("site", name, reverse(f"admin:{name}")))
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        pages.append((app_label, "app_list", reverse("admin:app_list", kwargs={"app_label": app_label})))
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        for pattern in model_admin.urls:
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            kwargs = {"object_id": str(first_pk(model))} if "object_id" in pattern.pattern.converters else {}
            if set(pattern.pattern.converters) - {"object_id"}:
                continue  # the catch-all redirect of old-style change URLs
            pages.append((label, pattern.name, reverse(f"admin:{pattern.name}", kwargs=kwargs)))
    return pages


def admin_actions():
    """(label, changelist url, action name, a pk) for every action of every registered model admin."""
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        for action in model_admin._get_base_actions():
            yield (
                model._meta.label_lower,
                reverse("admin:{}_{}_changelist".format(*info)),
                action.name,
                first_pk(model),
            )


def walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, route)
        else:
            yield route, entry


def backoffice_pages():
    """Every URL under /backoffice/, from the resolver, with path parameters filled with real objects."""
    from accounts.models import DeletionRequest
    from payments.models import PayoutBatch, Withdrawal

    by_word = {"deletion": DeletionRequest, "withdrawal": Withdrawal, "batch": PayoutBatch, "order": Order}
    for route, pattern in walk(get_resolver()):
        if not route.startswith("backoffice/"):
            continue
        kwargs = {}
        for param in pattern.pattern.converters:
            model = next((m for word, m in by_word.items() if word in (pattern.name or "")), Order)
            kwargs[param] = first_pk(model)
        url = "/" + route
        for param, value in kwargs.items():
            url = url.replace(f"<int:{param}>", str(value)).replace(f"<{param}>", str(value))
        yield pattern.name, url


def refused(response, role):
    if role == "anonymous":
        return response.status_code == 302 and "/login/" in response.url
    return response.status_code in (302, 403, 404) and not (
        response.status_code == 302 and response.url == "/admin/"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_t6_every_admin_page_for_every_role(client, demo, role):
    login_as(client, role)
    wrong = []
    for label, name, url in admin_pages():
        response = client.get(url)
        status = response.status_code
        if status >= 500:
            wrong.append(f"{url}: {status}")
        elif role == "superuser" or (
            role == "moderator"
            and (label in MODERATOR_MODELS or (label == "site" and name in MODERATOR_SITE_PAGES))
        ):
            continue
        elif role == "moderator" and name == "app_list" and label in ("marketplace", "ratings", "buyer_requests"):
            if status != 200:
                wrong.append(f"{url}: moderators need it, got {status}")
        elif status == 200:
            wrong.append(f"{url} ({name}): {role} must not see it")
    if role == "moderator":
        for url in ("/admin/", "/admin/marketplace/moderationqueue/", "/admin/marketplace/kwork/"):
            if client.get(url).status_code != 200:
                wrong.append(f"{url}: moderators work here")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_t6_every_admin_action_for_every_role(client, demo, role):
    user = login_as(client, role)
    wrong = []
    for label, changelist, action, pk in admin_actions():
        model_admin = next(ma for m, ma in admin.site._registry.items() if m._meta.label_lower == label)
        if user is not None and user.is_staff:
            request = RequestFactory().get(changelist)
            request.user = user
            # An action is reachable only through a changelist the person may open.
            reachable = model_admin.has_view_or_change_permission(request)
            available = set(model_admin.get_actions(request)) if reachable else set()
            if role == "moderator" and action in available and action not in MODERATOR_ACTIONS.get(label, set()):
                wrong.append(f"{label}.{action}: available to moderators")
            if role == "moderator" and action in MODERATOR_ACTIONS.get(label, set()) and action not in available:
                wrong.append(f"{label}.{action}: moderators need it")
        if role == "superuser":
            continue  # superusers may run every action; what each one does is tested in its app
        before = Order.objects.values_list("pk", "status").order_by("pk")
        before = list(before)
        response = client.post(changelist, {"action": action, "_selected_action": [pk], "index": 0})
        if response.status_code >= 500:
            wrong.append(f"{label}.{action}: {response.status_code}")
        elif not refused(response, role) and not (role == "moderator" and label in MODERATOR_MODELS):
            wrong.append(f"{label}.{action}: {role} got {response.status_code}")
        if list(Order.objects.values_list("pk", "status").order_by("pk")) != before:
            wrong.append(f"{label}.{action}: {role} changed an order")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_t6_every_backoffice_page_for_every_role(client, demo, role):
    login_as(client, role)
    pages = list(backoffice_pages())
    assert {name for name, _ in pages} >= {"index", "deletion_requests", "backoffice_withdrawals", "order_cancel"}
    wrong = []
    for _name, url in pages:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            if status >= 500:
                wrong.append(f"{method.upper()} {url}: {status}")
            elif role in ("support", "superuser"):
                if status == 403 or (status == 302 and "/login/" in response.url):
                    wrong.append(f"{method.upper()} {url}: {role} refused ({status})")
            elif status == 405:
                continue  # a method the page does not take is refused before who asks matters: nothing shown
            elif role == "anonymous":
                if not (status == 302 and "/login/" in response.url):
                    wrong.append(f"{method.upper()} {url}: anonymous got {status}")
            elif status != 403:
                wrong.append(f"{method.upper()} {url}: {role} got {status}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
def test_t6_c7_support_cancels_a_prohibited_order_in_the_back_office(client, demo):
    order = Order.objects.filter(status__in=Order.ACTIVE_STATES).order_by("pk").first()
    url = reverse("backoffice:order_cancel", args=[order.pk])
    client.force_login(User.objects.get(username=DEMO_LOGINS["moderator"]))
    assert client.post(url, {"reason": "Prohibited"}).status_code == 403
    order.refresh_from_db()
    assert order.status in Order.ACTIVE_STATES

    client.force_login(User.objects.get(username=DEMO_LOGINS["support"]))
    page = client.get(reverse("backoffice:order_find"), {"order": order.pk})
    assert page.status_code == 302 and page.url == url
    assert "Cancel and refund" in client.get(url).content.decode()
    response = client.post(url, {"reason": "Prohibited content: gambling."}, follow=True)
    assert "cancelled and the buyer refunded" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.events.filter(actor__username=DEMO_LOGINS["support"]).exists()


@pytest.mark.django_db
def test_t6_permissions_granted_before_are_taken_back_on_migrate():
    moderators = Group.objects.get(name=MODERATORS)
    stale = Permission.objects.filter(codename__in=["view_user", "view_order", "change_order"])
    moderators.permissions.add(*stale)
    sync_role_permissions()
    left = set(moderators.permissions.values_list("codename", flat=True))
    assert not left & {"view_user", "view_order", "change_order"}
    assert "change_moderationqueue" in left
