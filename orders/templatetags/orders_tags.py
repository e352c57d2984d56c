"""Tags of the orders app's templates (dashboard cards, countdowns, the chat's messages)."""

from uuid import uuid4

from django import template
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from common import dates
from orders import rules, selectors

register = template.Library()


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
    the template engine spent about 0.15 ms a message on it, most of the page's own time.
    tests/orders/test_chat.py checks the markup against the template it replaces."""
    viewer_id = getattr(context.get("user"), "pk", None)
    return format_html_join("", "{}", ((_chat_message(message, viewer_id),) for message in messages))


def _chat_message(message, viewer_id):
    mine = message.author_id == viewer_id
    files = list(message.attachments.all())
    return format_html(
        '<div class="chat-message{}" id="order-message-{}">\n'
        '  <div class="chat-meta">{} · <time datetime="{}">{}</time></div>\n'
        "  {}\n  {}\n</div>\n",
        " mine" if mine else "",
        message.pk,
        "You" if mine else message.author.public_name,
        timezone.localtime(message.created_at).isoformat(),
        dates.format_datetime(message.created_at),
        format_html('<div class="chat-text">{}</div>', linebreaksbr(message.text)) if message.text else "",
        format_html(
            '<ul class="files">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}" download>{}</a> <small class="muted">{}</small></li>',
                ((f.file.url, f.name, filesizeformat(f.size)) for f in files),
            ),
        )
        if files
        else "",
    )
