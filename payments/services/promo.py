"""Promo codes (P8): a code's amount credited once per user to the bonus part."""

from django.db import transaction
from django.utils import timezone

from common import dates
from common.errors import DomainError

from ..models import PromoCode, PromoRedemption
from .ledger import Kind, TxKind, _lock, _post, system_key, user_key


@transaction.atomic
def promo_redeem(*, user, code):
    """P8: credit a promo code's amount to the user's bonus part, once per user."""
    typed = (code or "").strip().upper()
    if not typed:
        raise DomainError("Type a promo code.", field="code")
    promo = PromoCode.objects.select_for_update().filter(code=typed).first()
    now = timezone.now()
    if promo is None or not promo.is_active:
        raise DomainError(f"There is no promo code “{typed}”. Check the spelling.", field="code")
    if promo.valid_from > now:
        raise DomainError("This promo code is not valid yet.", field="code")
    if promo.valid_until and promo.valid_until <= now:
        raise DomainError(
            f"This promo code expired on {dates.format_date(promo.valid_until, user)}.", field="code"
        )
    if PromoRedemption.objects.filter(code=promo, user=user).exists():
        raise DomainError("You have already used this promo code.", field="code")
    if promo.max_redemptions is not None and promo.times_redeemed >= promo.max_redemptions:
        raise DomainError("This promo code has been used up.", field="code")
    reference = f"promo:{promo.code}"
    acc = _lock([system_key(Kind.PROMO, reference), user_key(user, Kind.USER_BONUS)])
    tx, _ = _post(
        kind=TxKind.PROMO_REDEEM,
        reference=reference,
        idempotency_key=f"promo:{promo.pk}:{user.pk}",
        legs=[
            (acc.system(Kind.PROMO, reference), -promo.amount_cents),
            (acc.of(user, Kind.USER_BONUS), promo.amount_cents),
        ],
        memo=promo.code,
        locked=acc,
    )
    promo.times_redeemed += 1
    promo.save(update_fields=["times_redeemed"])
    return PromoRedemption.objects.create(code=promo, user=user, transaction=tx)
