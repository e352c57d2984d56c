"""The logged-in header's menus (main nav, bell, account menu), rendered once per person and what it shows.

Every logged-in page draws the same menus; rendering them (about 17 included templates and 37 URL reversals)
cost more than most pages' own content. Their HTML is cached under a key made of everything they show — the
person, their mode, name and avatar, their staff roles, each app's counter (cart, orders to do, unread messages,
unread notifications) and a fingerprint of the menus as this code draws them (templates, URLs) — so a changed
count or name, or a deploy, is a new key: nothing to invalidate, never stale. The counters are still read on
every page, all in one statement where they can be; only the rendering is saved. The CSRF token differs per
request, so the cached HTML holds a marker where it goes.

Apps add a counter in their own `header.py`: `HEADER_COUNTS = {"name": function(user)}` returning None (not
shown in the person's current mode: no query), an int, or a `common.db.ScalarQuery` (their selector's own query),
sent together with the other apps' in one statement (building each with the ORM cost more than the database's
work, on every logged-in page). The nav templates read `header_counts.<name>`."""

import hashlib
from functools import cache

from django.core.cache import cache as django_cache
from django.db import connection
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from common.db import ScalarQuery
from common.discovery import app_declarations

from . import roles, selectors

TEMPLATE = "components/header_menus.html"
CSRF_MARKER = "\x00csrf\x00"
CACHE_SECONDS = 24 * 3600  # keys change with what they show; this only lets unused ones expire


@cache
def _counters():
    """{name: function} from every installed app's header.py, in INSTALLED_APPS order (once per process)."""
    merged = {}
    for counts in app_declarations("header", "HEADER_COUNTS"):
        merged.update(counts)
    return merged


@cache
def _version():
    """A hash of the menus as this code draws them (once per process): the template, every template it includes
    and every URL it links to, drawn for a made-up person in each mode and role. A deploy that changes any of
    them changes every key, so no cached menu outlives it."""
    from .models import User

    drawn = [
        _render(
            User(pk=0, username="probe", mode=mode), {"cart": 1, "orders_to_do": 1, "messages": 1}, staff, staff
        )
        for mode in (User.Mode.BUYER, User.Mode.SELLER)
        for staff in (False, True)
    ]
    return hashlib.blake2b("\x00".join(drawn).encode(), digest_size=6).hexdigest()


def _render(user, header_counts, is_support, is_moderator):
    return get_template(TEMPLATE).render(
        {
            "user": user,
            "header_counts": header_counts,
            "unread_notifications": header_counts.get("notifications"),
            "is_support": is_support,
            "is_moderator": is_moderator,
            "csrf_token": CSRF_MARKER,
        }
    )


GROUPS = "groups"  # not a counter: whether the person is in any staff group (most are not: then no roles query)


def counts(user):
    """{name: int or None} of every app's counter; the SQL ones in one statement, together with the count of the
    person's staff groups (roles are then known without a query for everyone who has none)."""
    found = {name: count(user) for name, count in _counters().items()}
    batched = [(name, value) for name, value in found.items() if isinstance(value, ScalarQuery)]
    batched.append(
        (GROUPS, ScalarQuery("SELECT COUNT(*) FROM accounts_user_groups WHERE user_id = %s", [user.pk]))
    )
    sql = "SELECT " + ", ".join(f"({value.sql})" for _, value in batched)
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _, value in batched for param in value.params])
        row = cursor.fetchone()
    found.update((name, number or 0) for (name, _), number in zip(batched, row, strict=True))
    if not found.pop(GROUPS):
        roles.remember_no_groups(user)
    return found


def _facts(user, header_counts, is_support, is_moderator):
    avatar = user.avatar.name if user.avatar else ""
    return (
        user.pk,
        user.username,
        user.public_name,
        user.mode,
        avatar,
        user.is_staff,
        is_support,
        is_moderator,
        sorted(header_counts.items()),
        _version(),
    )


def menus_html(request, user):
    """The header's menus for `user` (logged in): from the cache when the person and their counts are as they
    were, else rendered and stored. The request's CSRF token is put in on the way out."""
    header_counts = counts(user)
    is_support, is_moderator = roles.is_support(user), roles.is_moderator(user)
    facts = _facts(user, header_counts, is_support, is_moderator)
    key = "header:" + hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()
    html = django_cache.get(key)
    if html is None:
        html = _render(user, header_counts, is_support, is_moderator)
        django_cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html.replace(CSRF_MARKER, get_token(request)))  # noqa: S308 (our own template's output)


HEADER_COUNTS = {"notifications": selectors.unread_count_query}
