"""Malformed input never gives a 500 (issue 9: 58 of the scanners' 500s were a `next` looked up as a view name).

Every URL pattern of the site is found by walking the resolver; path parameters are filled with real demo objects
and with hostile values; each page is requested with every query parameter its view reads (found in the view's
source, in the page's own GET forms and links) set to hostile values, and every form the page shows (and every
POST-only URL) is posted with hostile values in every field, as the owner of the objects, as strangers and as
nobody. A new page is covered without editing this file."""

import inspect
import io
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Notification, User
from marketplace.models import Category, Kwork
from orders.models import Order

pytestmark = pytest.mark.slow

HOSTILE = [
    "\x00",
    "NaN",
    "Infinity",
    "1e999999",
    "١٢",
    "9" * 30,
    "-1",
    "javascript:alert(1)",
    "//evil.example",
    "logo & | !x:* ( <-> \\",
    "x" * 3000,
    "",
]
# Strangers and nobody are mostly refused before any parsing: a few values of each kind are enough.
HOSTILE_FEW = ["NaN", "١٢", "9" * 30, "//evil.example"]
# Path parameters: what the converters let through.
HOSTILE_INT_PATH = ["0", "9" * 30]
HOSTILE_STR_PATH = ["%00", "١٢", "NaN", "..%2F..%2Fetc", "x" * 300, "%F0%9F%98%80", "javascript:alert(1)"]
# Parameters every view may read, whatever its source says.
ALWAYS = ["next", "page"]
# The admin: the last test here and test_roles_matrix. Public media: static files. The webhook: signed JSON.
SKIP = {"admin", "media", "payments/stripe/webhook/", "accounts/logout/"}

PARAM_RE = re.compile(
    r"""(?:GET|POST|FILES|data|params|query)(?:\.get|\.getlist|\.pop)?[\(\[]\s*["']([\w-]+)["']"""
)


def walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def site_patterns():
    for route, pattern in walk(get_resolver()):
        if route.split("/", 1)[0] in SKIP or route in SKIP or route.startswith("^"):
            continue
        yield route, pattern


def source_params(callback):
    """Names a view (and the rest of its module, where its helpers live) reads from GET/POST."""
    view = inspect.unwrap(callback)
    try:
        source = inspect.getsource(inspect.getmodule(view))
    except (OSError, TypeError):
        return set()
    return set(PARAM_RE.findall(source))


class Forms(HTMLParser):
    """The forms of a page (method, action, field names) and the query parameters of its links."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.link_params = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"), "fields": set()}
            )
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name") and self.forms:
            self.forms[-1]["fields"].add(attrs["name"])
        elif tag == "a" and "?" in (attrs.get("href") or ""):
            query = urlsplit(attrs["href"]).query
            self.link_params.update(part.split("=", 1)[0] for part in query.split("&") if part)


def fill(route, values):
    url = "/" + route
    for name, value in values.items():
        url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
    return url


@pytest.fixture
def world(db):
    """Demo data, and for each path parameter the object of the owner (bella buys from sergio)."""
    call_command("seed_demo", stdout=io.StringIO())
    from marketplace.services import cart_add
    from orders.models import CancellationRequest
    from payments.models import PayoutBatch, TopUp, Withdrawal

    people = {name: User.objects.get(username=name) for name in ("bella", "sergio", "nina", "sam")}
    order = Order.objects.filter(buyer=people["bella"], seller=people["sergio"]).order_by("pk").first()
    kwork = Kwork.objects.filter(seller=people["sergio"]).order_by("pk").first()
    other_kwork = (
        Kwork.objects.exclude(seller=people["bella"]).filter(packages__isnull=True).order_by("pk").first()
    )
    cart_add(user=people["bella"], kwork_id=other_kwork.pk)
    item = people["bella"].cart_items.first()

    def pk_of(qs):
        obj = qs.order_by("pk").first()
        return obj.pk if obj else 1

    real = {
        "order": {"pk": order.pk, "kwork_pk": kwork.pk, "request_pk": pk_of(CancellationRequest.objects)},
        "kwork": {"pk": kwork.pk},
        "notification": {"pk": pk_of(Notification.objects.filter(user=people["bella"]))},
        "topup": {"pk": pk_of(TopUp.objects)},
        "withdrawal": {"pk": pk_of(Withdrawal.objects)},
        "batch": {"pk": pk_of(PayoutBatch.objects)},
        "cart": {"item_id": item.pk},
        "deletion": {"pk": 1},
        "any": {
            "username": "sergio",
            "slug": Category.objects.exclude(parent=None).order_by("pk").first().slug,
            "pk": kwork.pk,
            "kwork_pk": kwork.pk,
        },
    }
    return people, real


def real_values(route, pattern, real):
    name = pattern.name or ""
    for key in ("withdrawal", "batch", "deletion", "topup", "notification", "cart"):
        if key in route or key in name:
            return {**real["any"], **real[key]}
    if route.startswith("orders/") or name in ("place",):
        return {**real["any"], **real["order"]}
    return {**real["any"], **real["kwork"]} if "kwork" in route else real["any"]


class Collector:
    def __init__(self, client):
        self.client = client
        self.client.raise_request_exception = False
        self.errors = []
        self.last_exception = None
        got_request_exception.connect(self._caught)

    def _caught(self, sender, request=None, **kwargs):
        import sys

        self.last_exception = repr(sys.exc_info()[1])

    def request(self, method, url, data=None):
        self.last_exception = None
        response = getattr(self.client, method)(url, data or {})
        if response.status_code >= 500:
            shown = {k: (v[:20] + "…" if len(v) > 20 else v) for k, v in (data or {}).items()}
            self.errors.append(
                f"{method.upper()} {url[:120]} {shown}: {response.status_code} {self.last_exception}"
            )
        return response

    def close(self):
        got_request_exception.disconnect(self._caught)


def exercise(collector, patterns, real, *, hostile):
    gets, posts = [], {}
    for route, pattern in patterns:
        values = real_values(route, pattern, real)
        url = fill(route, values)
        params = source_params(pattern.callback) | set(ALWAYS)
        page = collector.request("get", url)
        parser = Forms()
        if page.status_code == 200 and "html" in page.headers.get("Content-Type", ""):
            parser.feed(page.content.decode(errors="replace"))
        params |= parser.link_params
        # allauth's own pages get hostile GETs only: a hostile POST there could end the session being tested.
        allauth = route.startswith("accounts/")
        if not allauth:
            posts.setdefault(url, set(ALWAYS)).update(params)
        for form in parser.forms:
            if form["method"] == "get":
                params |= form["fields"]
                continue
            target = (form["action"] or url).split("#")[0]
            # Not allauth's forms (the header's log-out would end the session being tested).
            if target.startswith("/") and not target.startswith(("/accounts/", "/admin/")):
                posts.setdefault(target, set(ALWAYS)).update(form["fields"])
        gets.append((url, params))
        # Hostile path parameters.
        for name, converter in pattern.pattern.converters.items():
            bad = HOSTILE_INT_PATH if type(converter).__name__ == "IntConverter" else HOSTILE_STR_PATH
            for value in bad:
                hostile_url = fill(route, {**values, name: value if "%" in value else quote(value, safe="")})
                collector.request("get", hostile_url)
                if not allauth:
                    collector.request("post", hostile_url, {"next": "//evil.example"})
    # Every query parameter and every form field (each form target once, however many pages show it).
    for value in hostile:
        for url, params in gets:
            collector.request("get", url, {name: value for name in params})
        for target, fields in posts.items():
            collector.request("post", target, {name: value for name in fields})


IDENTITIES = ["bella", "sergio", "nina", "sam", "anonymous"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", IDENTITIES)
def test_no_page_answers_500_to_malformed_input(client, world, who):
    people, real = world
    if who != "anonymous":
        client.force_login(people[who])
    patterns = list(site_patterns())
    assert len(patterns) > 50, "the resolver walk found the site's pages"
    # The owners get every hostile value; strangers and nobody a smaller set (they are mostly refused early).
    hostile = HOSTILE if who in ("bella", "sergio", "sam") else HOSTILE_FEW
    collector = Collector(client)
    try:
        exercise(collector, patterns, real, hostile=hostile)
    finally:
        collector.close()
    assert collector.errors == [], "\n".join(sorted(set(collector.errors))[:60])


def admin_filter_params(model_admin):
    """The query parameters of a changelist: search, ordering, page, and each filter and date drill-down."""
    params = {"q", "o", "p", "e", "_to_field", "_popup", "all"}
    if model_admin.date_hierarchy:
        params |= {f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")}
    for entry in model_admin.list_filter:
        name = entry if isinstance(entry, str) else entry[0] if isinstance(entry, tuple) else None
        name = name or getattr(entry, "parameter_name", None)
        if name:
            params |= {name, f"{name}__exact", f"{name}__id__exact", f"{name}__isnull", f"{name}__in"}
    return params


# Filters parse numbers, dates and choices: one value of each troublesome kind (12 digits overflow a C int year).
ADMIN_HOSTILE = ["NaN", "١٢", "9" * 30, "9" * 12, "-1", "x" * 300]


@pytest.mark.django_db
def test_no_admin_page_answers_500_to_malformed_filters(client, world):
    """The admin's changelist filters, date drill-downs and object ids, as the superuser (who sees them all)."""
    from django.contrib import admin
    from django.urls import reverse

    client.force_login(User.objects.get(username="ada"))
    collector = Collector(client)
    try:
        for model, model_admin in admin.site._registry.items():
            info = (model._meta.app_label, model._meta.model_name)
            changelist = reverse("admin:{}_{}_changelist".format(*info))
            params = admin_filter_params(model_admin)
            for value in ADMIN_HOSTILE:
                for param in params:
                    collector.request("get", changelist, {param: value})
            for value in [*HOSTILE_INT_PATH, *HOSTILE_STR_PATH]:
                collector.request("get", f"{changelist}{value}/change/")
    finally:
        collector.close()
    assert collector.errors == [], "\n".join(sorted(set(collector.errors))[:60])
