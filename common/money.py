"""Money is integer cents everywhere; this is the one place that turns cents into text ("$1,234.50")."""


def format_cents(cents):
    if cents is None or cents == "":
        return ""
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"
