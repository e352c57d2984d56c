"""Every write of the accounts app, one function per use case (DESIGN: services)."""

import logging

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common import dates
from common.errors import DomainError

from . import logins, rules, selectors
from .models import AccountChange, Badge, DeletionRequest, Notification, StaffAction, UserBadge

logger = logging.getLogger(__name__)
User = get_user_model()


# --- e-mail confirmation (A4) ---------------------------------------------------------------------------


def ensure_email_confirmed(*, user, action="do this"):
    """The one place later features ask (Kworks, requests): refuses with a message that says what to do."""
    if not selectors.has_confirmed_email(user):
        raise DomainError(
            f"Please confirm your e-mail address before you {action}. "
            "You can re-send the confirmation link from Account › E-mail."
        )


# --- sensitive changes and their lock (A5, A6, P6) -----------------------------------------------------


def account_change_record(*, user, kind, old_value="", new_value=""):
    change = AccountChange.objects.create(user=user, kind=kind, old_value=old_value, new_value=new_value)
    notification_send(
        user=user,
        kind=rules.NotificationKind.ACCOUNT,
        title=f"{change.get_kind_display()}: withdrawals are locked for {rules.SENSITIVE_CHANGE_LOCK_DAYS} days",
        body=(
            "For your safety, payout details cannot be changed and no withdrawal can be made until "
            f"{dates.format_datetime(change.locks_until, user, show_zone=True)}. If this was not you, contact support at once."
        ),
        url=reverse("accounts:settings"),
    )
    return change


def username_change(*, user, new_username):
    """A6: one change of login, then the one-week lock."""
    new_username = new_username.strip()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.can_change_username:
            raise DomainError("Your login has already been changed once; it cannot be changed again.")
        if new_username == user.username:
            raise DomainError("This is already your login.")
        logins.validate_login(new_username)
        if User.objects.filter(username__iexact=new_username).exclude(pk=user.pk).exists():
            raise DomainError("This login is already taken.", field="username")
        old = user.username
        user.username = new_username
        user.username_changed_at = timezone.now()
        user.save(update_fields=["username", "username_changed_at"])
        account_change_record(user=user, kind=AccountChange.Kind.USERNAME, old_value=old, new_value=new_username)
    return user


# --- mode and profile (A8, A9) --------------------------------------------------------------------------


def mode_switch(*, user, mode):
    if mode not in User.Mode.values:
        raise DomainError("Unknown mode.")
    User.objects.filter(pk=user.pk).update(mode=mode)
    user.mode = mode
    return user


PROFILE_FIELDS = ("display_name", "city", "about", "skills", "email_notifications")


def profile_update(*, user, display_name, city, about, skills, email_notifications, avatar=None, time_zone=None):
    """A9. `avatar` is a new upload already checked by content and size (common.uploads), or None to keep the
    current one; a replaced avatar's file is removed once the change commits. `time_zone` (an IANA name, None to
    keep it) is where the person reads dates and times."""
    if time_zone is not None and not dates.is_time_zone(time_zone):
        raise DomainError("Choose a time zone from the list.")
    with transaction.atomic():
        old_avatar = User.objects.filter(pk=user.pk).values_list("avatar", flat=True).first()
        user.display_name = display_name
        user.city = city
        user.about = about
        user.skills = skills
        user.email_notifications = email_notifications
        fields = list(PROFILE_FIELDS)
        if time_zone is not None:
            user.time_zone = time_zone
            fields.append("time_zone")
        if avatar is not None:
            user.avatar = avatar
            fields.append("avatar")
        user.save(update_fields=fields)
    if avatar is not None and old_avatar and old_avatar != user.avatar.name:
        transaction.on_commit(lambda: user.avatar.storage.delete(old_avatar))
    return user


# --- sign-up consents (A1) ------------------------------------------------------------------------------


def signup_consents_record(*, user, is_adult, accepts_terms):
    """A1: the person confirmed being 18 or older and accepted the terms; each consent is kept with its time."""
    if not (is_adult and accepts_terms):
        raise DomainError("You must be 18 or older and accept the terms of service to create an account.")
    now = timezone.now()
    user.adult_confirmed_at = now
    user.terms_accepted_at = now
    user.save(update_fields=["adult_confirmed_at", "terms_accepted_at"])
    return user


# --- deletion (A7) ---------------------------------------------------------------------------------------


def deletion_request_create(*, user, reason):
    if DeletionRequest.objects.filter(user=user, status=DeletionRequest.Status.PENDING).exists():
        raise DomainError("You have already asked to delete your account; support will answer soon.")
    request = DeletionRequest.objects.create(user=user, reason=reason)
    return request


def account_anonymise(*, deletion_request, staff_user):
    """A7: the person disappears; orders, messages and money records stay for the other party and the ledger."""
    with transaction.atomic():
        req = DeletionRequest.objects.select_for_update().get(pk=deletion_request.pk)
        if req.status != DeletionRequest.Status.PENDING:
            raise DomainError(f"Request #{req.pk} is already {req.get_status_display().lower()}.")
        user = User.objects.select_for_update().get(pk=req.user_id)
        avatar = user.avatar.name
        user.username = f"deleted-{user.pk}"
        user.email = ""
        user.first_name = user.last_name = ""
        user.display_name = "Deleted user"
        user.city = user.about = user.skills = ""
        user.avatar = ""
        user.is_active = False
        user.is_staff = False
        user.email_notifications = False
        user.anonymised_at = timezone.now()
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        EmailAddress.objects.filter(user=user).delete()
        user.socialaccount_set.all().delete()
        user.notifications.all().delete()
        req.status = DeletionRequest.Status.DONE
        req.processed_at = timezone.now()
        req.processed_by = staff_user
        req.save(update_fields=["status", "processed_at", "processed_by"])
        if avatar:
            transaction.on_commit(lambda: user.avatar.storage.delete(avatar))
    logger.info("account %s anonymised by %s (request %s)", user.pk, staff_user, req.pk)
    return user


def deletion_request_reject(*, deletion_request, staff_user, note):
    with transaction.atomic():
        req = DeletionRequest.objects.select_for_update().get(pk=deletion_request.pk)
        if req.status != DeletionRequest.Status.PENDING:
            raise DomainError(f"Request #{req.pk} is already {req.get_status_display().lower()}.")
        req.status = DeletionRequest.Status.REJECTED
        req.processed_at = timezone.now()
        req.processed_by = staff_user
        req.staff_note = note
        req.save()
        notification_send(
            user=req.user,
            kind=rules.NotificationKind.ACCOUNT,
            title="Your account deletion request was not carried out",
            body=note,
        )
    return req


# --- badges (A10) ----------------------------------------------------------------------------------------


def badge_grant(*, user, code, granted_by=None, note=""):
    """Grant once; granting again changes nothing. Returns the UserBadge."""
    badge = Badge.objects.get(code=code)
    user_badge, created = UserBadge.objects.get_or_create(
        user=user, badge=badge, defaults={"granted_by": granted_by, "note": note}
    )
    if created:
        notification_send(
            user=user,
            kind=rules.NotificationKind.BADGE,
            title=f"You have earned the “{badge.name}” badge",
            body=badge.description,
            url=user.get_absolute_url(),
        )
    return user_badge


def badge_revoke(*, user, code):
    UserBadge.objects.filter(user=user, badge__code=code).delete()


# --- notifications (A11) ---------------------------------------------------------------------------------


def notification_send(*, user, kind, title, body="", url=""):
    """Create the in-site notification; for the important kinds, e-mail it once the transaction commits."""
    return notifications_send_many(
        notifications=[{"user": user, "kind": kind, "title": title, "body": body, "url": url}]
    )[0]


def notifications_send_many(*, notifications):
    """The batch form (timer sweeps notify hundreds of people at once): one INSERT, and the e-mails of the
    important kinds queued once the transaction commits. Each item: user, kind, title, body="", url=""."""
    rows = Notification.objects.bulk_create(
        Notification(
            user=item["user"],
            kind=item["kind"],
            title=item["title"][:200],
            body=item.get("body", ""),
            url=item.get("url", ""),
        )
        for item in notifications
    )
    to_email = [
        row.pk
        for row, item in zip(rows, notifications, strict=True)
        if item["kind"] in rules.EMAIL_NOTIFICATION_KINDS
        and item["user"].email_notifications
        and item["user"].email
    ]
    if to_email:
        from .tasks import notification_email

        transaction.on_commit(lambda: [notification_email.delay(pk) for pk in to_email])
    return rows


def notifications_mark_read(*, user, ids=None):
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def notifications_purge(*, older_than_days=rules.NOTIFICATIONS_KEEP_READ_DAYS):
    cutoff = timezone.now() - timezone.timedelta(days=older_than_days)
    deleted, _ = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted


def last_seen_touch(*, user):
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(last_seen_at=now)
    user.last_seen_at = now


def staff_action_record(*, actor, action, target, reason=""):
    """T6: one row of the staff audit log for `action` (e.g. "dispute.decide") on `target` (any model instance).
    Call it inside the service's transaction, so the log and the action commit together."""
    return StaffAction.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:200],
        reason=reason or "",
    )
