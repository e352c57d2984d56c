"""M3 (and C7): contact details are not allowed in public texts — Kworks, requests, messages.

`find_contacts(text)` returns the fragments that look like a phone number, an e-mail address, a messenger
handle or an outside link; `ensure_no_contacts(text, what=...)` raises DomainError naming the first one."""

import re

from common.errors import DomainError

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
SHORT_LINK_RE = re.compile(r"\b(?:t\.me|wa\.me|vk\.com|fb\.me|m\.me|bit\.ly|tinyurl\.com)/\S*", re.IGNORECASE)
# Anything domain-like: labels joined by dots and ending in a top-level domain of two or more letters (any, not
# a list: new endings appear every year), with an optional path. `e.g.`, `v1.2` and `3.5` never match (one-letter
# or numeric endings). A Title-case ending ("done.Then") is a missing space, not a domain: see _is_domain.
DOMAIN_RE = re.compile(r"(?<![\w@.-])(?:[^\W_](?:[\w-]*[^\W_])?\.)+([^\W\d_]{2,63})(?![\w-])(?:/\S*)?")
# File names and technology names that look like domains: not contact details.
FILE_EXTENSIONS = {
    "ai", "avi", "bmp", "css", "csv", "doc", "docx", "eps", "gif", "htm", "html", "jpeg", "jpg", "js", "json",
    "md", "mov", "mp3", "mp4", "mpeg", "ogg", "pdf", "php", "png", "ppt", "pptx", "psd", "py", "rar", "svg",
    "tif", "tiff", "ts", "txt", "wav", "webp", "xls", "xlsx", "xml", "zip",
}  # fmt: skip
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


def _is_domain(match):
    text, ending = match.group(0), match.group(1)
    if text.lower().split("/")[0] in ALLOWED_NAMES or ending.lower() in FILE_EXTENSIONS:
        return False
    return ending.islower() or ending.isupper()  # "mysite.net", "MYSITE.NET"; not "done.Then"


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
        if _is_domain(match):
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


# M3, second half: offering payment outside the site. Phrases, not single words ("PayPal" alone may describe a
# checkout the buyer wants built); each pattern needs a payment verb or an "outside the site" turn.
PAYMENT_OFFER_RES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\bpay(?:ing|ment)?\s+(?:me\s+|you\s+)?(?:directly|outside|off[- ]?site|off\s+the\s+(?:site|platform))",
        r"\b(?:pay|send|transfer)\s+(?:me\s+|you\s+|it\s+|the\s+money\s+)?(?:by|via|through|over|with|to)\s+"
        r"(?:my\s+|your\s+)?(?:paypal|western\s+union|bank\s+transfer|bank\s+account|my\s+card|crypto|bitcoin|usdt)",
        r"\boutside\s+(?:of\s+)?(?:the\s+|this\s+)?(?:site|platform|gigly)\b",
        r"\b(?:avoid|skip|save|without)\s+(?:the\s+)?(?:site'?s?\s+|platform'?s?\s+)?(?:fees?|commission)\b",
        r"\b(?:cheaper|discount)\s+(?:if\s+you\s+pay|outside|directly)",
    )
]


def find_payment_offers(text):
    """The fragments of `text` that offer payment outside the site (empty list when clean)."""
    if not text:
        return []
    found = [(m.start(), m.group(0)) for pattern in PAYMENT_OFFER_RES for m in pattern.finditer(text)]
    return [fragment for _, fragment in sorted(found)]
