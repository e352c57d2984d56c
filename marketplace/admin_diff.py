"""The moderator's before/after view of an approved Kwork's pending changes (C7): one row per changed field, in
words and dollars; texts word by word, removed words struck through and added ones marked, all escaped."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from common.money import format_cents

from .forms import TIER_LABELS, kwork_as_data
from .models import Attribute, AttributeChoice, Category

# Words and the spaces between them, so a diff never splits a word and keeps the line breaks.
TOKENS = re.compile(r"\s+|\S+")
TEXT_FIELDS = [
    ("title", "Title"),
    ("description", "Description"),
    ("volume", "Volume of one unit"),
    ("instructions", "Instructions for the buyer"),
]


@dataclass
class DiffRow:
    label: str
    before: str  # safe HTML
    after: str  # safe HTML


def word_diff(before, after):
    """(before, after) as safe HTML: words only in `before` in <del>, words only in `after` in <ins>."""
    old_words, new_words = TOKENS.findall(before or ""), TOKENS.findall(after or "")
    old, new = [], []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = escape("".join(old_words[i1:i2])), escape("".join(new_words[j1:j2]))
        if op == "equal":
            old.append(removed)
            new.append(added)
            continue
        if removed:
            old.append(f"<del>{removed}</del>")
        if added:
            new.append(f"<ins>{added}</ins>")
    return mark_safe("".join(old) or "—"), mark_safe("".join(new) or "—")  # noqa: S308 (every piece escaped)


def mark_del(html):
    return mark_safe(f"<del>{html}</del>")  # noqa: S308 (escaped by _plain)


def mark_ins(html):
    return mark_safe(f"<ins>{html}</ins>")  # noqa: S308 (escaped by _plain)


def _plain(value):
    return escape(value) if value not in (None, "") else "—"


def _names(before, after):
    """Category, attribute and choice names of both versions, in three queries."""
    categories = {
        c.pk: str(c)
        for c in Category.objects.filter(pk__in={before["category"], after["category"]}).select_related("parent")
    }
    attribute_ids = {int(a) for a in [*before["attributes"], *after["attributes"]]}
    attributes = {a.pk: a.name for a in Attribute.objects.filter(pk__in=attribute_ids)}
    choice_ids = {c for c in [*before["attributes"].values(), *after["attributes"].values()] if c}
    choices = {c.pk: c.label for c in AttributeChoice.objects.filter(pk__in=choice_ids)}
    return categories, attributes, choices


def _options_text(options):
    return "\n".join(f"{o['title']} — {format_cents(o['price_cents'])}" for o in options)


def _package_text(package):
    if not package:
        return ""
    days = package.get("lead_time_days") or 0
    return (
        f"{format_cents(package.get('price_cents'))}, {days} day{'s' if days != 1 else ''}\n"
        f"{package.get('description', '')}"
    )


def pending_changes_diff(kwork):
    """Rows of the fields the pending changes would change; [] when nothing waits."""
    if not kwork.pending_changes:
        return []
    before, after = kwork_as_data(kwork), kwork.pending_changes
    categories, attributes, choices = _names(before, after)
    rows = []

    def plain(label, old, new):
        if old != new:
            rows.append(DiffRow(label, mark_del(_plain(old)), mark_ins(_plain(new))))

    def text(label, old, new):
        if (old or "") != (new or ""):
            rows.append(DiffRow(label, *word_diff(old, new)))

    plain("Subcategory", categories.get(before["category"]), categories.get(after["category"]))
    for field, label in TEXT_FIELDS:
        text(label, before[field], after[field])
    plain("Price", format_cents(before["price_cents"]), format_cents(after["price_cents"]))
    plain("Lead time (days)", before["lead_time_days"], after["lead_time_days"])
    plain("YouTube video", before["youtube_id"], after["youtube_id"])
    sold_as = {True: "Three packages", False: "One price"}
    plain("Sold as", sold_as[bool(before["uses_packages"])], sold_as[bool(after["uses_packages"])])
    for attribute_id in sorted({int(a) for a in [*before["attributes"], *after["attributes"]]}):
        old = choices.get(before["attributes"].get(str(attribute_id)))
        new = choices.get(after["attributes"].get(str(attribute_id)))
        plain(attributes.get(attribute_id, "Attribute"), old, new)
    text("Extra options", _options_text(before["options"]), _options_text(after["options"]))
    if before["uses_packages"] or after["uses_packages"]:
        for tier, label in TIER_LABELS.items():
            text(
                f"{label} package",
                _package_text(before["packages"].get(tier)) if before["uses_packages"] else "",
                _package_text(after["packages"].get(tier)) if after["uses_packages"] else "",
            )
    return rows
