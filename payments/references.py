"""Where a ledger reference points, for the statement's links. A reference is "<prefix>:<key>" ("order:42");
payments knows nothing of the apps behind the prefixes, so each app registers how to build the URL of its
prefix in its AppConfig.ready:

    from payments import references
    references.register("order", lambda pk: reverse("orders:detail", args=[pk]))

A reference whose prefix nobody registered (top-ups, withdrawals, promo codes) gets no link."""

_BUILDERS = {}


def register(prefix, build_url):
    """`build_url(key)` returns the URL of the thing "<prefix>:<key>" refers to; it is only called for a key
    made of digits."""
    _BUILDERS[prefix] = build_url


def reference_url(reference):
    """The page a ledger reference points to, or "" when it has none."""
    prefix, _, key = (reference or "").partition(":")
    build_url = _BUILDERS.get(prefix)
    if build_url is None or not key.isdigit():
        return ""
    return build_url(int(key))
