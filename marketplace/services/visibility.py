"""What the catalogue shows: pause and activate (C9), weekend hiding (C10), automatic pause (C11(b)), the
answer block (M2) and a blocked seller's account (T1).

`Kwork.auto_paused` is "C11(a) or C11(b)": C11(a) keeps its own `portfolio_paused` (services/portfolio.py), so
C11(b) lifting its pause leaves a Kwork that C11(a) still pauses hidden, and the other way round."""

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.rules import NotificationKind
from common.errors import DomainError

from .. import rules
from ..caching import catalogue_changed
from ..models import Kwork, SellerProfile
from ..selectors import kwork_get_for_seller, seller_profile
from ..weekends import is_weekend_window
from ._notify import notify_on_commit

Status = Kwork.Status


def kwork_pause(*, seller, kwork):
    """C9: hidden from the catalogue and not orderable; rating and position are untouched."""
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.status != Status.ACTIVE:
            raise DomainError("Only an active Kwork can be paused.")
        kwork.status = Status.PAUSED
        kwork.save(update_fields=["status"])
        catalogue_changed()
    return kwork


def kwork_activate(*, seller, kwork):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.status != Status.PAUSED:
            raise DomainError("Only a paused Kwork can be activated.")
        kwork.status = Status.ACTIVE
        kwork.auto_paused = seller_profile(user=seller).autopaused or kwork.portfolio_paused
        kwork.save(update_fields=["status", "auto_paused"])
        catalogue_changed()
    return kwork


def seller_weekend_setting_set(*, seller, hide_on_weekends, now=None):
    """C10: the seller's "hide my Kworks on weekends" switch; applies at once when it is the weekend."""
    hide = bool(hide_on_weekends)
    with transaction.atomic():
        profile, _ = SellerProfile.objects.get_or_create(user=seller)
        profile.hide_on_weekends = hide
        profile.save(update_fields=["hide_on_weekends"])
        Kwork.objects.filter(seller=seller).update(
            seller_hides_weekends=hide, weekend_hidden=hide and is_weekend_window(now)
        )
        catalogue_changed()
    return profile


def kworks_weekend_sync(*, now=None):
    """C10 beat job: hide the Kworks of sellers who asked for it during the weekend window, show them after.
    Idempotent; returns (hidden, shown) row counts."""
    weekend = is_weekend_window(now)
    with transaction.atomic():
        if weekend:
            hidden = Kwork.objects.filter(seller_hides_weekends=True, weekend_hidden=False).update(
                weekend_hidden=True
            )
            shown = Kwork.objects.filter(seller_hides_weekends=False, weekend_hidden=True).update(
                weekend_hidden=False
            )
        else:
            hidden = 0
            shown = Kwork.objects.filter(weekend_hidden=True).update(weekend_hidden=False)
        if hidden or shown:
            catalogue_changed()
    return hidden, shown


def kwork_autopause_sync(*, seller, in_progress_count):
    """C11(b): called by the orders app whenever the seller's number of orders in progress changes.

    More than AUTOPAUSE_ABOVE_IN_PROGRESS (12) → all the seller's active Kworks are auto-paused (hidden from
    the catalogue, still orderable from Favourites or by direct link). They come back when only
    AUTOPAUSE_RESUME_AT_IN_PROGRESS (7) or fewer remain. Manual pauses are never touched. Idempotent.
    Returns True when the seller is auto-paused after the call."""
    with transaction.atomic():
        profile, _ = SellerProfile.objects.select_for_update().get_or_create(user=seller)
        profile.in_progress_count = in_progress_count
        changed = ["in_progress_count"]
        if in_progress_count > rules.AUTOPAUSE_ABOVE_IN_PROGRESS and not profile.autopaused:
            profile.autopaused, profile.autopaused_at = True, timezone.now()
            changed += ["autopaused", "autopaused_at"]
            Kwork.objects.filter(seller=seller).update(auto_paused=True)
            catalogue_changed()
            notify_on_commit(
                user=seller,
                kind=NotificationKind.KWORK_AUTOPAUSE,
                title="Your Kworks are paused automatically",
                body=(
                    f"You have {in_progress_count} orders in progress. Your Kworks are hidden from the catalogue "
                    f"until only {rules.AUTOPAUSE_RESUME_AT_IN_PROGRESS} remain; buyers can still order them "
                    "from Favourites or by direct link."
                ),
                url=reverse("marketplace:my_kworks"),
            )
        elif in_progress_count <= rules.AUTOPAUSE_RESUME_AT_IN_PROGRESS and profile.autopaused:
            profile.autopaused, profile.autopaused_at = False, None
            changed += ["autopaused", "autopaused_at"]
            Kwork.objects.filter(seller=seller).update(auto_paused=F("portfolio_paused"))  # C11(a) may remain
            catalogue_changed()
        profile.save(update_fields=changed)
    return profile.autopaused


def sellers_answer_block_set(*, seller_ids, blocked, now=None):
    """M2: block (or unblock) all Kworks of these sellers: out of the catalogue and not orderable. Called by the
    messaging app's answer sweep and when the seller answers. A conditional UPDATE of the profile decides, so two
    sweeps at once block a seller once. Returns the ids of the sellers whose state changed."""
    seller_ids = sorted(set(seller_ids))
    if not seller_ids:
        return []
    with transaction.atomic():
        if blocked:
            existing = set(SellerProfile.objects.filter(user_id__in=seller_ids).values_list("user_id", flat=True))
            SellerProfile.objects.bulk_create(
                [SellerProfile(user_id=pk) for pk in seller_ids if pk not in existing], ignore_conflicts=True
            )
        profiles = SellerProfile.objects.select_for_update().filter(
            user_id__in=seller_ids, answer_blocked=not blocked
        )
        changed = list(profiles.order_by("user_id").values_list("user_id", flat=True))
        if changed:
            SellerProfile.objects.filter(user_id__in=changed).update(
                answer_blocked=blocked, answer_blocked_at=(now or timezone.now()) if blocked else None
            )
            Kwork.objects.filter(seller_id__in=changed).update(answer_blocked=blocked)
            catalogue_changed()
    return changed


def sellers_account_block_sync(*, seller_ids=None, now=None):
    """T1: a blocked seller's Kworks leave the catalogue and cannot be ordered; they come back when the block
    ends or is lifted. Called when a block changes (accounts' signal) for those sellers, and every few minutes
    by beat for everyone (a temporary block ends by the clock, with no event). Idempotent; returns the number of
    Kworks whose flag changed."""
    now = now or timezone.now()
    blocked = account_selectors.users_blocked(now=now)
    kworks = Kwork.objects.all() if seller_ids is None else Kwork.objects.filter(seller_id__in=seller_ids)
    with transaction.atomic():
        hidden = kworks.filter(seller_blocked=False, seller__in=blocked).update(seller_blocked=True)
        shown = kworks.filter(seller_blocked=True).exclude(seller__in=blocked).update(seller_blocked=False)
        if hidden or shown:
            catalogue_changed()
    return hidden + shown
