"""C5: the price and lead time of a choice on a Kwork. The orders app calls `price_quote` when it places an
order (and the Kwork page calls it for the live total), so both always agree."""

import math
from dataclasses import dataclass, field

from common.errors import DomainError
from payments.rules import seller_share_cents

from . import rules
from .models import KworkOption, KworkPackage


@dataclass(frozen=True)
class QuoteLine:
    kind: str  # "unit", "package" or "option"
    title: str
    unit_price_cents: int
    quantity: int
    amount_cents: int
    option_id: int | None = None
    package_id: int | None = None


@dataclass(frozen=True)
class Quote:
    total_cents: int
    lead_time_days: int
    lines: list = field(default_factory=list)
    quantity: int = 1
    package: KworkPackage | None = None
    options: tuple = ()

    @property
    def seller_gets_cents(self):
        return seller_share_cents(self.total_cents)


def lead_time_for(*, unit_lead_time_days, quantity):
    """C5: the first unit takes the full lead time, each further unit half of it (rounded up to days)."""
    return unit_lead_time_days + (quantity - 1) * math.ceil(unit_lead_time_days / 2)


def _resolve_package(kwork, package):
    if package in (None, ""):
        return None
    if isinstance(package, KworkPackage):
        if package.kwork_id != kwork.pk:
            raise DomainError("This package is not part of this Kwork.")
        return package
    packages = list(kwork.packages.all())
    for candidate in packages:
        if str(candidate.pk) == str(package) or candidate.tier == str(package):
            return candidate
    raise DomainError("This package is not part of this Kwork.")


def _resolve_options(kwork, option_ids):
    wanted = []
    for raw in option_ids or ():
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise DomainError("Unknown option.") from None
        if value not in wanted:
            wanted.append(value)
    if not wanted:
        return ()
    cache = getattr(kwork, "_prefetched_objects_cache", {})
    if "options" in cache:
        available = {option.pk: option for option in cache["options"] if option.is_active}
    else:
        available = {option.pk: option for option in KworkOption.objects.filter(kwork=kwork, is_active=True)}
    missing = [pk for pk in wanted if pk not in available]
    if missing:
        raise DomainError("One of the chosen options is no longer offered by this Kwork. Please choose again.")
    return tuple(sorted((available[pk] for pk in wanted), key=lambda o: (o.position, o.pk)))


def price_quote(*, kwork, quantity=1, option_ids=(), package=None):
    """C5: total = unit price × quantity + options, or package price × quantity + options.

    `package` is a KworkPackage, its pk or its tier ("economy"/"standard"/"business"); required when the
    Kwork offers packages, refused otherwise. Options are counted once per order. Raises DomainError with a
    message for the buyer when the choice is not possible."""
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise DomainError("The quantity must be a whole number.") from None
    if quantity < 1 or quantity > rules.MAX_QUANTITY:
        raise DomainError(f"You can order from 1 to {rules.MAX_QUANTITY} units at once.")
    if not kwork.uses_packages and package not in (None, ""):
        raise DomainError("This Kwork is not sold in packages.")
    chosen_package = _resolve_package(kwork, package)
    if kwork.uses_packages and chosen_package is None:
        raise DomainError("Please choose a package: Economy, Standard or Business.")
    options = _resolve_options(kwork, option_ids)

    lines = []
    if chosen_package is not None:
        unit_price, unit_lead = chosen_package.price_cents, chosen_package.lead_time_days
        lines.append(
            QuoteLine(
                kind="package",
                title=f"{chosen_package.get_tier_display()} package",
                unit_price_cents=unit_price,
                quantity=quantity,
                amount_cents=unit_price * quantity,
                package_id=chosen_package.pk,
            )
        )
    else:
        unit_price, unit_lead = kwork.price_cents, kwork.lead_time_days
        lines.append(
            QuoteLine(
                kind="unit",
                title=kwork.title,
                unit_price_cents=unit_price,
                quantity=quantity,
                amount_cents=unit_price * quantity,
            )
        )
    for option in options:
        lines.append(
            QuoteLine(
                kind="option",
                title=option.title,
                unit_price_cents=option.price_cents,
                quantity=1,
                amount_cents=option.price_cents,
                option_id=option.pk,
            )
        )
    return Quote(
        total_cents=sum(line.amount_cents for line in lines),
        lead_time_days=lead_time_for(unit_lead_time_days=unit_lead, quantity=quantity),
        lines=lines,
        quantity=quantity,
        package=chosen_package,
        options=options,
    )
