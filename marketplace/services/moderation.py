"""Moderators' decisions (C7): approve or reject a new Kwork or the pending changes of an approved one."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.rules import NotificationKind
from common.errors import DomainError

from ..caching import catalogue_changed
from ..models import Kwork, KworkFile, KworkImage
from ..selectors import seller_profile
from ..weekends import is_weekend_window
from ._notify import notify_on_commit
from .kworks import _apply_data
from .portfolio import kwork_portfolio_sync

Status = Kwork.Status


def kwork_approve(*, kwork, moderator, version=None):
    """Approve a new Kwork (it goes on sale) or the pending changes of an approved one (applied now).

    `version` is the Kwork's `moderation_version` the moderator reviewed (the admin always sends it): when the
    seller changed anything since, the approval is refused, so a harmless text edited into a prohibited one
    while waiting is never published unseen. None approves the current version (demo data, scripts)."""
    with transaction.atomic():
        kwork = Kwork.objects.select_for_update().get(pk=kwork.pk)
        if kwork.review_requested_at is None:
            raise DomainError(f"“{kwork.title}” is not waiting for moderation.")
        if version is not None and version != kwork.moderation_version:
            raise DomainError(
                f"“{kwork.title}” was changed by the seller after you opened it. Review the new version and "
                "approve it again."
            )
        now = timezone.now()
        first_approval = kwork.approved_at is None
        if kwork.pending_changes:
            _apply_data(kwork, kwork.pending_changes)
            kwork.pending_changes = None
        if first_approval:
            kwork.status = Status.ACTIVE
            kwork.approved_at = now
            profile = seller_profile(user=kwork.seller)
            kwork.auto_paused = profile.autopaused
            kwork.seller_hides_weekends = profile.hide_on_weekends
            kwork.weekend_hidden = profile.hide_on_weekends and is_weekend_window(now)
            kwork.answer_blocked = profile.answer_blocked  # M2: a blocked seller's new Kwork starts blocked too
            kwork.seller_blocked = kwork.seller.is_blocked  # T1 likewise
        KworkImage.objects.filter(kwork=kwork, pending=True).update(pending=False)
        KworkFile.objects.filter(kwork=kwork, pending=True).update(pending=False)
        kwork.review_requested_at = None
        kwork.reject_reason, kwork.reject_note = "", ""
        kwork.moderated_at, kwork.moderated_by = now, moderator
        kwork.save()
        kwork_portfolio_sync(kwork=kwork)  # C11(a): the approved changes may move it to another category
        kwork.refresh_from_db(fields=["portfolio_paused", "auto_paused"])
        catalogue_changed()
        notify_on_commit(
            user=kwork.seller,
            kind=NotificationKind.KWORK_MODERATION,
            title=f"Your Kwork “{kwork.title}” is approved" + ("" if first_approval else ": changes are live"),
            body="It is now in the catalogue." if first_approval else "Your changes are now shown to buyers.",
            url=kwork.get_absolute_url(),
        )
    return kwork


def kwork_reject(*, kwork, moderator, reason, note=""):
    """Reject with a reason the seller sees on the Kwork and in a notification. For an approved Kwork only the
    pending changes are rejected; the approved version stays on sale."""
    if reason not in Kwork.RejectReason.values:
        raise DomainError("Choose a reason for the rejection.")
    note = (note or "").strip()
    if reason == Kwork.RejectReason.OTHER and not note:
        raise DomainError("Explain the reason to the seller when you choose “Other”.")
    with transaction.atomic():
        kwork = Kwork.objects.select_for_update().get(pk=kwork.pk)
        if kwork.review_requested_at is None:
            raise DomainError(f"“{kwork.title}” is not waiting for moderation.")
        if kwork.approved_at is None:
            kwork.status = Status.REJECTED
        kwork.review_requested_at = None
        kwork.reject_reason, kwork.reject_note = reason, note
        kwork.moderated_at, kwork.moderated_by = timezone.now(), moderator
        kwork.save()
        label = Kwork.RejectReason(reason).label
        notify_on_commit(
            user=kwork.seller,
            kind=NotificationKind.KWORK_MODERATION,
            title=f"Your Kwork “{kwork.title}” was rejected"
            if kwork.approved_at is None
            else f"The changes to “{kwork.title}” were rejected",
            body=f"Reason: {label}." + (f" {note}" if note else "") + " Edit it and send it again.",
            url=reverse("marketplace:kwork_edit", args=[kwork.pk]),
        )
    return kwork
