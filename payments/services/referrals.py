"""Referrals (P7): attaching a new user to a partner at sign-up, and activating the referral."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .. import rules
from ..models import Referral


def referral_attach(*, user, partner_id):
    """P7: at sign-up, attach the new user to the partner whose link they followed."""
    if not partner_id or str(partner_id) == str(user.pk):
        return None
    partner = get_user_model().objects.filter(pk=partner_id, is_active=True).first()
    if partner is None or Referral.objects.filter(referred=user).exists():
        return None
    return Referral.objects.create(partner=partner, referred=user, created_at=user.date_joined or timezone.now())


@transaction.atomic
def referral_mark_active(*, user):
    """P7: call when `user` places an order or gets a Kwork approved. Activates their referral when this
    happens within rules.REFERRAL_ACTIVATION_DAYS of sign-up; afterwards (or without a referral) nothing
    changes. Returns the referral or None."""
    referral = Referral.objects.select_for_update().filter(referred=user).first()
    if referral is None or referral.activated_at is not None:
        return referral
    now = timezone.now()
    if now - referral.created_at > timedelta(days=rules.REFERRAL_ACTIVATION_DAYS):
        return referral
    referral.activated_at = now
    referral.save(update_fields=["activated_at"])
    return referral
