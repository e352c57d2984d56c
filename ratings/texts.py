"""The checks every public text of ratings passes (feedback, responses): length, M3 contact details, and
profanity (M4) with the same word list and look-alike digits as logins (accounts.logins, A3)."""

import re

from accounts.logins import LOOKALIKES, PROFANITY
from common.contacts import ensure_no_contacts
from common.errors import DomainError

WORD_RE = re.compile(r"[^\W_]+")
RUDE = "Please keep it polite: the text contains a rude word."


def contains_profanity(text):
    plain = (text or "").lower().translate(LOOKALIKES)
    return any(stem in word for word in WORD_RE.findall(plain) for stem in PROFANITY)


def clean_public_text(text, *, what, min_length, max_length, required_message):
    """The text stripped, or DomainError: empty, too short, too long, contact details, rude words."""
    text = (text or "").strip()
    if not text:
        raise DomainError(required_message, field="text")
    if len(text) < min_length:
        raise DomainError(f"Please write at least {min_length} characters.", field="text")
    if len(text) > max_length:
        raise DomainError(f"{what} is too long: at most {max_length:,} characters.", field="text")
    ensure_no_contacts(text, what=what, field="text")
    if contains_profanity(text):
        raise DomainError(RUDE, field="text")
    return text
