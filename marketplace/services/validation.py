"""Validation of the Kwork editor's data (C1–C5) and its contact filter (M3)."""

import re

from common.contacts import ensure_no_contacts
from common.errors import DomainError
from common.money import format_cents
from payments.rules import seller_share_cents

from .. import rules
from ..models import Attribute, Category
from ..selectors import price_points_for

YOUTUBE_RE = re.compile(
    r"^(?:https?://)?(?:(?:www\.|m\.)?youtube\.com/watch\?(?:[^#\s]*&)?v=|youtu\.be/)([A-Za-z0-9_-]{11})(?:[&?#]\S*)?$"
)


def youtube_id_from_url(url):
    """C2: youtube.com/watch?v=ID or youtu.be/ID → ID; '' for an empty link; DomainError otherwise."""
    url = (url or "").strip()
    if not url:
        return ""
    match = YOUTUBE_RE.match(url)
    if not match:
        raise DomainError(
            "This is not a YouTube video link. Use a link like https://www.youtube.com/watch?v=dQw4w9WgXcQ "
            "or https://youtu.be/dQw4w9WgXcQ.",
            field="youtube_url",
        )
    return match.group(1)


def _whole(value, *, field):
    """A whole number from the editor's data (0 when empty); anything else is refused, never a 500."""
    if value in (None, ""):
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.isascii() and text.lstrip("-").isdecimal() and len(text) <= 18:
        return int(text)
    raise DomainError("Enter a whole number.", field=field)


def kwork_data_validate(data):
    """Check the editor's data; return it normalised (JSON-safe). Raises DomainError(field=...) on the first
    problem. `data` keys: category (Category or id), title, description, volume, price_cents, lead_time_days,
    instructions, youtube_url, uses_packages, attributes {attribute_id: choice_id}, options [{id?, title,
    price_cents}], packages {tier: {description, price_cents, lead_time_days}}."""
    category = data["category"]
    if not isinstance(category, Category):
        category = Category.objects.filter(pk=category).first()
    if category is None or category.parent_id is None:
        raise DomainError("Choose a subcategory for your Kwork.", field="category")
    title = (data.get("title") or "").strip()
    description = (data.get("description") or "").strip()
    volume = (data.get("volume") or "").strip()
    instructions = (data.get("instructions") or "").strip()
    if len(title) < rules.KWORK_TITLE_MIN_LENGTH:
        raise DomainError(
            f"The title must be at least {rules.KWORK_TITLE_MIN_LENGTH} characters long.", field="title"
        )
    if len(description) < rules.KWORK_DESCRIPTION_MIN_LENGTH:
        raise DomainError(
            f"Describe what the buyer gets in at least {rules.KWORK_DESCRIPTION_MIN_LENGTH} characters.",
            field="description",
        )
    if not volume:
        raise DomainError(
            "Say what one unit of work includes, for example “1 logo” or “1,000 words”.",
            field="volume",
        )
    for field, value, label in (
        ("title", title, "The title"),
        ("description", description, "The description"),
        ("volume", volume, "The volume"),
        ("instructions", instructions, "The instructions for the buyer"),
    ):
        ensure_no_contacts(value, what=label, field=field)

    price_cents = _whole(data.get("price_cents"), field="price")
    if price_cents < rules.KWORK_MIN_PRICE_CENTS or price_cents > rules.KWORK_MAX_PRICE_CENTS:
        raise DomainError(
            f"The price must be from ${rules.KWORK_MIN_PRICE_CENTS // 100} to ${rules.KWORK_MAX_PRICE_CENTS // 100}.",
            field="price",
        )
    if price_cents % 100:
        raise DomainError("The price must be a whole number of dollars.", field="price")
    lead_time_days = _whole(data.get("lead_time_days"), field="lead_time_days")
    if not 1 <= lead_time_days <= rules.KWORK_MAX_LEAD_TIME_DAYS:
        raise DomainError(
            f"The lead time must be from 1 to {rules.KWORK_MAX_LEAD_TIME_DAYS} days.", field="lead_time_days"
        )
    youtube_id = youtube_id_from_url(data.get("youtube_url"))

    # C1: one choice per attribute of the subcategory; required ones must be set.
    attributes = list(Attribute.objects.filter(category=category).prefetch_related("choices"))
    given = {str(k): str(v) for k, v in (data.get("attributes") or {}).items() if v not in (None, "")}
    chosen = {}
    for attribute in attributes:
        value = given.get(str(attribute.pk))
        if value is None:
            if attribute.required:
                raise DomainError(f"Choose a value for “{attribute.name}”.", field=f"attr_{attribute.pk}")
            continue
        if value not in {str(c.pk) for c in attribute.choices.all()}:
            raise DomainError(
                f"Choose one of the listed values for “{attribute.name}”.", field=f"attr_{attribute.pk}"
            )
        chosen[str(attribute.pk)] = int(value)

    # C3: options (counted first: a forged 11th row is refused, never dropped).
    raw_options = [raw for raw in data.get("options") or [] if (raw.get("title") or "").strip()]
    if len(raw_options) > rules.MAX_OPTIONS:
        raise DomainError(f"A Kwork can have at most {rules.MAX_OPTIONS} extra options.", field="options")
    options = []
    for raw in raw_options:
        option_title = (raw.get("title") or "").strip()
        if not option_title:
            continue
        ensure_no_contacts(option_title, what="An option title", field="options")
        cents = _whole(raw.get("price_cents"), field="options")
        if not rules.OPTION_MIN_PRICE_CENTS <= cents <= rules.OPTION_MAX_PRICE_CENTS:
            low, high = rules.OPTION_MIN_PRICE_CENTS, rules.OPTION_MAX_PRICE_CENTS
            raise DomainError(
                f"The option “{option_title}” must cost the buyer from {format_cents(low)} to {format_cents(high)} "
                f"(you receive {format_cents(seller_share_cents(low))} to {format_cents(seller_share_cents(high))}).",
                field="options",
            )
        options.append({"id": raw.get("id") or None, "title": option_title, "price_cents": cents})

    # C4: packages.
    uses_packages = bool(data.get("uses_packages"))
    packages = {}
    if uses_packages:
        points = price_points_for(category)
        previous = 0
        for tier in rules.PACKAGE_TIERS:
            raw = (data.get("packages") or {}).get(tier) or {}
            label = tier.capitalize()
            package_description = (raw.get("description") or "").strip()
            if not package_description:
                raise DomainError(f"Describe what the {label} package includes.", field=f"package_{tier}")
            ensure_no_contacts(package_description, what=f"The {label} package", field=f"package_{tier}")
            cents = _whole(raw.get("price_cents"), field=f"package_{tier}")
            if cents not in points.get(tier, []):
                allowed = ", ".join(f"${p // 100}" for p in points.get(tier, []))
                raise DomainError(
                    f"The {label} package price must be one of this category's price points: {allowed}.",
                    field=f"package_{tier}",
                )
            if cents <= previous:
                raise DomainError(
                    "Packages must cost more from Economy to Standard to Business.", field=f"package_{tier}"
                )
            previous = cents
            days = _whole(raw.get("lead_time_days"), field=f"package_{tier}")
            if not 1 <= days <= rules.KWORK_MAX_LEAD_TIME_DAYS:
                raise DomainError(
                    f"The {label} package lead time must be from 1 to {rules.KWORK_MAX_LEAD_TIME_DAYS} days.",
                    field=f"package_{tier}",
                )
            packages[tier] = {"description": package_description, "price_cents": cents, "lead_time_days": days}
        price_cents = packages["economy"]["price_cents"]
        lead_time_days = packages["economy"]["lead_time_days"]

    return {
        "category": category.pk,
        "title": title,
        "description": description,
        "volume": volume,
        "price_cents": price_cents,
        "lead_time_days": lead_time_days,
        "instructions": instructions,
        "youtube_id": youtube_id,
        "uses_packages": uses_packages,
        "attributes": chosen,
        "options": options,
        "packages": packages,
    }
