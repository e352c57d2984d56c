"""Tags of the orders app's templates (dashboard cards, countdowns, the chat's messages)."""

import re
from html import escape
from uuid import uuid4

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from common import dates
from orders import rules, selectors

register = template.Library()
_NEWLINES = re.compile(r"\r\n|\r")  # as Django's normalize_newlines, which linebreaksbr applies


def _role(role):
    return rules.SELLER if role == rules.SELLER else rules.BUYER


def _cached(context, key, compute):
    """Computed once per rendering, however many included templates ask."""
    cache = context.render_context.setdefault("orders_tags", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


@register.simple_tag(takes_context=True)
def orders_counts(context, role):
    """{% orders_counts "buyer" as counts %}: counts.action (selectors.action_counts: total, to_start, …) and
    counts.states (selectors.state_counts: active, completed, all, …)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"action": {}, "states": {}}
    role = _role(role)
    return {
        "action": _cached(context, ("action", role), lambda: selectors.action_counts(user=user, role=role)),
        "states": _cached(context, ("states", role), lambda: selectors.state_counts(user=user, role=role)),
    }


@register.inclusion_tag("orders/partials/countdown.html")
def countdown(at):
    """A deadline with the time left (or overdue) as text (common.dates.time_left: "less than a minute left",
    then "overdue", never "0m left"), animated by static/js/app.js in the same words."""
    if at is None:
        return {"at": None}
    text, late = dates.time_left(at, timezone.now())
    return {"at": at, "late": late, "text": text}


@register.simple_tag
def order_key_field():
    """The "Order now" form's one-time key (services.order_place: a double click places one order)."""
    return format_html('<input type="hidden" name="order_key" value="{}">', uuid4().hex)


@register.simple_tag(takes_context=True)
def chat_messages(context, messages):
    """{% chat_messages chat.rows %}: the order chat's messages, written here rather than by an included template
    per message: the chat is the order page's one loop (a page of 30 messages and the refresh's new ones), and
    the template engine spent about 0.15 ms a message on it, most of the page's own time. Plain string building
    with the standard library's escape (Django's format_html and lazy-aware helpers cost a further 35 µs a
    message). tests/orders/test_chat.py checks the markup against the template it replaces."""
    viewer_id = getattr(context.get("user"), "pk", None)
    return mark_safe("".join([_chat_message(message, viewer_id) for message in messages]))  # noqa: S308 - escaped


def _chat_message(message, viewer_id):
    mine = message.author_id == viewer_id
    parts = [
        f'<div class="chat-message{" mine" if mine else ""}" id="order-message-{int(message.pk)}">\n'
        f'  <div class="chat-meta">{"You" if mine else escape(message.author.public_name)} · '
        f'<time datetime="{timezone.localtime(message.created_at).isoformat()}">'
        f"{escape(dates.format_datetime(message.created_at))}</time></div>\n  "
    ]
    if message.text:
        text = escape(_NEWLINES.sub("\n", message.text)).replace("\n", "<br>")
        parts.append(f'<div class="chat-text">{text}</div>')
    parts.append("\n  ")
    if message.files:  # selectors._chat_rows
        parts.append('<ul class="files">')
        parts.extend(
            f'<li><a href="{escape(f.file.url)}" download>{escape(f.name)}</a> '
            f'<small class="muted">{escape(filesizeformat(f.size))}</small></li>'
            for f in message.files
        )
        parts.append("</ul>")
    parts.append("\n</div>\n")
    return "".join(parts)
