"""A12 identity checks: a seller sends an identity document, Support approves (the "Verified specialist" badge,
A10) or rejects with a reason. The document lives in private storage with no URL; Support reads it through a
view that logs each reading (StaffAction), and it is deleted `IDENTITY_DOCUMENT_KEEP_DAYS` after the decision."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from common.uploads import validate_identity_document

from . import rules
from .models import IdentityCheck, User, UserBadge
from .rules import NotificationKind
from .services import badge_grant, notification_send, staff_action_record

# --- reads ---------------------------------------------------------------------------------------------------


def identity_check_latest_of(*, user):
    return IdentityCheck.objects.filter(user=user).order_by("-created_at", "-id").first()


def identity_is_verified(*, user):
    return UserBadge.objects.filter(user=user, badge__code=rules.IDENTITY_BADGE_CODE).exists()


def identity_checks_for_review(*, status):
    """The back-office queue: waiting ones oldest first, decided ones newest first."""
    rows = IdentityCheck.objects.filter(status=status).select_related("user", "decided_by")
    if status == IdentityCheck.Status.PENDING:
        return rows.order_by("created_at", "id")
    return rows.order_by("-decided_at", "-id")


def identity_check_get(*, pk):
    return IdentityCheck.objects.select_related("user").filter(pk=pk).first()


def identity_checks_pending_summary():
    """(count, oldest created_at) of the waiting checks, in one query."""
    row = IdentityCheck.objects.filter(status=IdentityCheck.Status.PENDING).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    return row["count"], row["oldest"]


def identity_documents_kept_too_long(*, now=None):
    """Checks whose document still exists after its deletion deadline (what the purge must leave empty)."""
    now = now or timezone.now()
    return IdentityCheck.objects.exclude(document="").filter(delete_after__lte=now)


# --- services -------------------------------------------------------------------------------------------------


def identity_check_submit(*, user, document):
    """The seller sends a document (an image or a PDF, checked by content). One waiting check at a time, none
    once verified."""
    try:
        validate_identity_document(document)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one submission at a time per person
        if identity_is_verified(user=user):
            raise DomainError("Your identity is already verified.")
        if IdentityCheck.objects.filter(user=user, status=IdentityCheck.Status.PENDING).exists():
            raise DomainError("Your document is already waiting for our staff; you will hear from us soon.")
        return IdentityCheck.objects.create(user=user, document=document, document_name=document.name[:200])


def identity_check_decide(*, check, staff_user, approve, reason=""):
    """Support approves (the badge) or rejects (a reason is required; the user reads it). Logged; the document
    is deleted `IDENTITY_DOCUMENT_KEEP_DAYS` after this decision."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DomainError("Write the reason for the rejection: the seller reads it.")
    with transaction.atomic():
        check = IdentityCheck.objects.select_for_update().select_related("user").get(pk=check.pk)
        if check.status != IdentityCheck.Status.PENDING:
            raise DomainError("This identity check has already been decided.")
        now = timezone.now()
        check.status = IdentityCheck.Status.APPROVED if approve else IdentityCheck.Status.REJECTED
        check.reason = reason
        check.decided_by = staff_user
        check.decided_at = now
        check.delete_after = now + timedelta(days=rules.IDENTITY_DOCUMENT_KEEP_DAYS)
        check.save(update_fields=["status", "reason", "decided_by", "decided_at", "delete_after"])
        staff_action_record(
            actor=staff_user, action=f"identity.{check.status}", target=check, reason=reason or "approved"
        )
        url = reverse("accounts:identity")
        if approve:
            badge_grant(user=check.user, code=rules.IDENTITY_BADGE_CODE, granted_by=staff_user, note="A12")
            notification_send(
                user=check.user,
                kind=NotificationKind.ACCOUNT,
                title="Your identity is verified",
                body="Your profile now shows the “Verified specialist” badge.",
                url=url,
            )
        else:
            notification_send(
                user=check.user,
                kind=NotificationKind.ACCOUNT,
                title="Your identity document was not accepted",
                body=reason,
                url=url,
            )
        return check


def identity_document_view_record(*, check, staff_user):
    """Each reading of a document by Support is logged, in its own transaction."""
    with transaction.atomic():
        staff_action_record(actor=staff_user, action="identity.document_view", target=check)


def identity_documents_purge(*, now=None):
    """The beat job: delete every document past its deadline (the row stays as the record). Returns how many."""
    now = now or timezone.now()
    done = 0
    for pk in identity_documents_kept_too_long(now=now).values_list("pk", flat=True):
        with transaction.atomic():
            check = IdentityCheck.objects.select_for_update().filter(pk=pk).exclude(document="").first()
            if check is None:
                continue
            check.document.delete(save=False)
            check.document = ""
            check.document_deleted_at = now
            check.save(update_fields=["document", "document_deleted_at"])
            done += 1
    return done
