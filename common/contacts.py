"""M3 (and C7): contact details are not allowed in public texts — Kworks, requests, messages.

`find_contacts(text)` returns the fragments that look like a phone number, an e-mail address, a messenger
handle or an outside link; `ensure_no_contacts(text, what=...)` raises DomainError naming the first one."""

import re

from common.errors import DomainError

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
SHORT_LINK_RE = re.compile(r"\b(?:t\.me|wa\.me|vk\.com|fb\.me|m\.me|bit\.ly|tinyurl\.com)/\S*", re.IGNORECASE)
DOMAIN_RE = re.compile(
    r"\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|ru|io|me|co|info|biz|xyz|site|online|store|shop|dev|app"
    r"|ua|by|kz|uk|de|cz|eu|us|pro|link|top)\b(?:/\S*)?",
    re.IGNORECASE,
)
# A phone number: 7 to 15 digits, optionally with +, spaces, dots, dashes and brackets between them.
PHONE_RE = re.compile(r"(?<![\w$])\+?\d(?:[\s().-]{0,2}\d){6,14}(?!\w)")
YEAR_RANGE_RE = re.compile(r"^(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d$")
MESSENGER_RE = re.compile(
    r"\b(?:telegram|tg|whatsapp|whats app|viber|skype|discord|wechat|signal|icq)\s*(?::|@|-\s*@)\s*[\w.@+-]{3,}",
    re.IGNORECASE,
)
HANDLE_RE = re.compile(r"(?<![\w@])@[a-z][\w.]{3,}", re.IGNORECASE)
# Names of technologies that look like domains but are not contact details.
ALLOWED_NAMES = {"socket.io", "asp.net", "ado.net", "vb.net", "ionic.io", "node.js", "vue.js", "next.js"}


def find_contacts(text):
    """Return the suspicious fragments of `text`, in the order found (empty list when clean)."""
    if not text:
        return []
    found = []
    taken = []

    def add(match):
        start, end = match.span()
        if any(start < t_end and end > t_start for t_start, t_end in taken):
            return
        taken.append((start, end))
        found.append((start, match.group(0).rstrip(".,;:!?)")))

    for pattern in (EMAIL_RE, URL_RE, SHORT_LINK_RE, MESSENGER_RE):
        for match in pattern.finditer(text):
            add(match)
    for match in DOMAIN_RE.finditer(text):
        if match.group(0).lower() not in ALLOWED_NAMES:
            add(match)
    for match in PHONE_RE.finditer(text):
        if not YEAR_RANGE_RE.match(match.group(0).strip()):
            add(match)
    for match in HANDLE_RE.finditer(text):
        add(match)
    return [fragment for _, fragment in sorted(found)]


def contains_contacts(text):
    return bool(find_contacts(text))


def ensure_no_contacts(text, *, what="This text", field=None):
    found = find_contacts(text)
    if found:
        raise DomainError(
            f"{what} contains contact details (“{found[0]}”). Phone numbers, e-mail addresses, messenger "
            "handles and outside links are not allowed: all contact goes through the site.",
            field=field,
        )
