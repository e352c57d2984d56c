"""The seller's editor: create, update, submit, delete, discard (C2–C5, C7, C8, A4)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from common.errors import DomainError

from .. import hooks, rules
from ..models import Kwork, KworkAttributeValue, KworkFile, KworkImage, KworkOption, KworkPackage, SellerProfile
from ..selectors import kwork_get_for_seller, parse_id
from .search import kwork_search_vectors_update
from .validation import kwork_data_validate

Status = Kwork.Status
User = get_user_model()


def _apply_data(kwork, data):
    """Write validated data onto the Kwork and its attribute values, options and packages."""
    for field in ("title", "description", "volume", "price_cents", "lead_time_days", "instructions", "youtube_id"):
        setattr(kwork, field, data[field])
    kwork.category_id = data["category"]
    kwork.uses_packages = data["uses_packages"]
    kwork.updated_at = timezone.now()
    kwork.save()

    KworkAttributeValue.objects.filter(kwork=kwork).exclude(
        attribute_id__in=[int(a) for a in data["attributes"]]
    ).delete()
    for attribute_id, choice_id in data["attributes"].items():
        KworkAttributeValue.objects.update_or_create(
            kwork=kwork, attribute_id=int(attribute_id), defaults={"choice_id": choice_id}
        )

    existing = {option.pk: option for option in KworkOption.objects.filter(kwork=kwork, is_active=True)}
    kept = set()
    for position, raw in enumerate(data["options"]):
        option = existing.get(parse_id(raw.get("id")))
        if option and option.title == raw["title"] and option.price_cents == raw["price_cents"]:
            if option.position != position:
                option.position = position
                option.save(update_fields=["position"])
            kept.add(option.pk)
            continue
        # A changed option becomes a new one: orders keep the option they were placed with.
        KworkOption.objects.create(
            kwork=kwork, title=raw["title"], price_cents=raw["price_cents"], position=position
        )
    KworkOption.objects.filter(kwork=kwork, is_active=True, pk__in=set(existing) - kept).update(is_active=False)

    for tier, raw in data["packages"].items():
        KworkPackage.objects.update_or_create(kwork=kwork, tier=tier, defaults=raw)
    kwork_search_vectors_update([kwork.pk])


def kwork_version_bump(kwork):
    """C7: every change the seller makes (content, pending changes, media, submit, discard) moves the version,
    so an approval of the version a moderator saw is refused once it changed. Call under the Kwork's row lock."""
    kwork.moderation_version += 1
    Kwork.objects.filter(pk=kwork.pk).update(moderation_version=kwork.moderation_version)


# --- limits (C8) -----------------------------------------------------------------------------------------


def _check_total_limit(seller):
    total = Kwork.objects.filter(seller=seller).count()
    if hooks.seller_level(seller) == hooks.NEWBIE and total >= rules.MAX_KWORKS_NEWBIE:
        raise DomainError(
            f"As a Newbie seller you can have at most {rules.MAX_KWORKS_NEWBIE} Kworks. "
            "Delete a draft or reach the Advanced level to add more."
        )
    if (
        total >= rules.MAX_KWORKS_WITHOUT_ORDERS
        and Kwork.objects.filter(seller=seller, status=Status.ACTIVE).exists()
        and not hooks.seller_has_orders(seller)
    ):
        raise DomainError(
            f"Until you receive your first order you can have at most {rules.MAX_KWORKS_WITHOUT_ORDERS} Kworks."
        )


def _check_moderation_limit(seller, kwork):
    if Kwork.objects.filter(seller=seller, status=Status.ACTIVE).exists():
        return
    waiting = Kwork.objects.filter(seller=seller, review_requested_at__isnull=False).exclude(pk=kwork.pk).count()
    if waiting >= rules.MAX_IN_MODERATION_WITHOUT_ACTIVE:
        raise DomainError(
            f"You already have {waiting} Kworks waiting for moderation. Until one of your Kworks is active, "
            f"at most {rules.MAX_IN_MODERATION_WITHOUT_ACTIVE} can wait at once."
        )


# --- the editor ------------------------------------------------------------------------------------------


def kwork_create(*, seller, data, submit=False):
    """A new Kwork, saved as a draft or sent to moderation at once."""
    account_services.ensure_email_confirmed(user=seller, action="create a Kwork")
    clean = kwork_data_validate(data)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=seller.pk).first()  # one creation at a time per seller (C8)
        _check_total_limit(seller)
        hides_weekends = SellerProfile.objects.filter(user=seller, hide_on_weekends=True).exists()
        kwork = Kwork(seller=seller, status=Status.DRAFT, seller_hides_weekends=hides_weekends)
        _apply_data(kwork, clean)
        if submit:
            _submit(kwork)
    return kwork


def kwork_update(*, seller, kwork, data, submit=False):
    """Edit a Kwork. A draft, rejected or waiting Kwork changes at once; an approved (active or paused) one
    keeps selling its approved version while the changes wait for moderation (C7)."""
    account_services.ensure_email_confirmed(user=seller, action="edit a Kwork")
    clean = kwork_data_validate(data)
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.approved_at is None:
            if kwork.status == Status.REJECTED:
                kwork.status = Status.DRAFT
            _apply_data(kwork, clean)
        else:
            kwork.pending_changes = clean
            kwork.save(update_fields=["pending_changes"])
        kwork_version_bump(kwork)
        if submit:
            _submit(kwork)
    return kwork


def _submit(kwork):
    _check_moderation_limit(kwork.seller, kwork)
    if kwork.approved_at is None:
        if not kwork.images.exists():
            raise DomainError("Add at least one gallery image before sending the Kwork to moderation.")
        kwork.status = Status.MODERATION
    elif kwork.pending_changes is None:
        raise DomainError("There are no changes to send to moderation.")
    kwork.review_requested_at = kwork.review_requested_at or timezone.now()
    kwork.reject_reason, kwork.reject_note = "", ""
    kwork.save(update_fields=["status", "review_requested_at", "reject_reason", "reject_note"])
    kwork_version_bump(kwork)


def kwork_submit(*, seller, kwork):
    """C7: send a draft (or the pending changes of an approved Kwork) to the moderation queue."""
    account_services.ensure_email_confirmed(user=seller, action="send a Kwork to moderation")
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.review_requested_at is not None:
            raise DomainError("This Kwork is already waiting for moderation.")
        if kwork.approved_at is None and kwork.status not in (Status.DRAFT, Status.REJECTED):
            raise DomainError("Only a draft or a rejected Kwork can be sent to moderation.")
        _submit(kwork)
    return kwork


def kwork_delete(*, seller, kwork):
    """A draft or rejected Kwork that was never approved can be deleted (frees a C8 slot)."""
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        if kwork.approved_at is not None or kwork.status not in (Status.DRAFT, Status.REJECTED):
            raise DomainError("Only drafts and rejected Kworks can be deleted; pause an active Kwork instead.")
        kwork.delete()  # with its images and files, each row's file deleted on commit (common.files)


def kwork_changes_discard(*, seller, kwork):
    with transaction.atomic():
        kwork = kwork_get_for_seller(seller=seller, pk=kwork.pk, lock=True)
        kwork.pending_changes = None
        kwork.review_requested_at = None
        kwork.save(update_fields=["pending_changes", "review_requested_at"])
        kwork_version_bump(kwork)
        # Not fast-deleted: the rows' post_delete (common.files) deletes their files on commit.
        KworkImage.objects.filter(kwork=kwork, pending=True).delete()
        KworkFile.objects.filter(kwork=kwork, pending=True).delete()
    return kwork
