"""What a ledger reference points to, for the statement's words and links. A reference is "<prefix>:<key>"
("order:42"); payments knows nothing of the apps behind the prefixes, so each app registers its prefix in its
AppConfig.ready:

    from payments import references
    references.register(
        "order",
        lambda pk: reverse("orders:detail", args=[pk]),
        titles=lambda pks, viewer: {pk: title for the orders among pks that viewer may open},
    )

`titles` answers for a whole page of rows in one query, so a statement page costs the same whatever it shows.
Payments' own prefixes (top-ups, withdrawals, promo codes) are described by payments.selectors.

A reference whose prefix nobody registered gets no link."""

from dataclasses import dataclass

_BUILDERS = {}
_TITLES = {}


@dataclass(frozen=True)
class Target:
    """What a reference points to, as the viewer may see it: a link and a title ("" when not theirs)."""

    prefix: str
    key: int
    url: str = ""
    title: str = ""


def register(prefix, build_url, *, titles=None):
    """`build_url(key)` returns the URL of the thing "<prefix>:<key>" refers to; it is only called for a key
    made of digits. `titles(keys, viewer)` returns {key: title} for the keys `viewer` may open (one query);
    without it every key counts as the viewer's own, with no title."""
    _BUILDERS[prefix] = build_url
    if titles is not None:
        _TITLES[prefix] = titles


def parse(reference):
    """("order", 42) for "order:42"; None for a reference with no numeric key."""
    prefix, _, key = (reference or "").partition(":")
    if not prefix or not key.isdigit() or len(key) > 18:
        return None
    return prefix, int(key)


def reference_url(reference):
    """The page a ledger reference points to, or "" when it has none."""
    parsed = parse(reference)
    build_url = _BUILDERS.get(parsed[0]) if parsed else None
    return build_url(parsed[1]) if build_url else ""


def resolve(references, *, viewer):
    """{reference: Target} for the registered references among `references`: one `titles` call per prefix.
    A reference the viewer may not open gets a Target with neither link nor title."""
    keys = {}
    for reference in set(references):
        parsed = parse(reference)
        if parsed and parsed[0] in _BUILDERS:
            keys.setdefault(parsed[0], set()).add(parsed[1])
    targets = {}
    for prefix, found in keys.items():
        titles_of = _TITLES.get(prefix)
        visible = titles_of(sorted(found), viewer) if titles_of else dict.fromkeys(found, "")
        for key in found:
            reference = f"{prefix}:{key}"
            if key in visible:
                targets[reference] = Target(prefix, key, url=_BUILDERS[prefix](key), title=visible[key] or "")
            else:
                targets[reference] = Target(prefix, key)
    return targets
