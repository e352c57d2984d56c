"""A3: what a public login may be. Each refusal has its own message, so the user knows what to change."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError

from . import rules

ALLOWED = re.compile(r"^[A-Za-z0-9_-]+$")
PHONE_MIN_DIGITS = 7

# Words no login may contain, as a part of it (checked after undoing common look-alike digits).
PROFANITY = (
    "fuck",
    "shit",
    "cunt",
    "bitch",
    "whore",
    "slut",
    "asshole",
    "bastard",
    "nigger",
    "faggot",
    "pussy",
    "dickhead",
    "motherf",
    "wanker",
    "blyat",
    "suka",
    "pizdec",
    "pizda",
    "khuy",
    "huilo",
    "mudak",
)
# Words that would pass a login off as the site or its staff: refused as a whole login or as one of its parts.
RESERVED = (
    "admin",
    "administrator",
    "root",
    "system",
    "sysadmin",
    "support",
    "moderator",
    "moderation",
    "staff",
    "api",
    "help",
    "helpdesk",
    "security",
    "billing",
    "official",
    "noreply",
    "no-reply",
    "postmaster",
    "abuse",
    "webmaster",
    "www",
    "mail",
    "arbitration",
    "backoffice",
    "accounts",
    "static",
    "media",
    "null",
    "undefined",
    "anonymous",
    "deleted",
)
# These may not appear anywhere in a login ("xAdminx", "giglysupport").
RESERVED_ANYWHERE = ("admin", "moderator", "support")
LOOKALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


def validate_characters(value):
    if not ALLOWED.match(value):
        raise ValidationError(
            "A login may contain only Latin letters (a–z), digits, “-” and “_”, with no spaces.",
            code="login_characters",
        )


def validate_length(value):
    if not rules.USERNAME_MIN_LENGTH <= len(value) <= rules.USERNAME_MAX_LENGTH:
        raise ValidationError(
            f"A login must be {rules.USERNAME_MIN_LENGTH} to {rules.USERNAME_MAX_LENGTH} characters long.",
            code="login_length",
        )


def validate_not_phone(value):
    digits = sum(ch.isdigit() for ch in value)
    if digits >= PHONE_MIN_DIGITS:
        raise ValidationError("A login cannot look like a phone number: use at most 6 digits.", code="login_phone")


def validate_not_profane(value):
    plain = value.lower().translate(LOOKALIKES).replace("-", "").replace("_", "")
    if any(word in plain for word in PROFANITY):
        raise ValidationError(
            "This login contains a rude word. Please choose another one.", code="login_profanity"
        )


def _parts(value):
    return [part for part in re.split(r"[-_0-9]+", value.lower()) if part]


def validate_not_reserved(value):
    lowered = value.lower()
    squashed = re.sub(r"[-_0-9]", "", lowered)
    reserved = {*RESERVED, settings.SITE_NAME.lower()}
    anywhere = {*RESERVED_ANYWHERE, settings.SITE_NAME.lower()}
    if (
        lowered in reserved
        or squashed in reserved
        or any(part in reserved for part in _parts(value))
        or any(word in squashed for word in anywhere)
    ):
        raise ValidationError(
            "This login is reserved for the site and its staff. Please choose another one.",
            code="login_reserved",
        )


USERNAME_VALIDATORS = [
    validate_characters,
    validate_length,
    validate_not_phone,
    validate_not_profane,
    validate_not_reserved,
]


def validate_login(value):
    """Run every A3 check; used by the sign-up form (through allauth), the login change and the admin."""
    for validator in USERNAME_VALIDATORS:
        validator(value)
