"""Reads of the accounts app, shaped for the pages that use them."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Max, Prefetch, Q
from django.shortcuts import get_object_or_404

from common.db import ScalarQuery

from . import rules
from .models import AccountChange, DeletionRequest, Notification, UserBadge

User = get_user_model()


def users_blocked(*, now):
    """T1: the people whose block is in force at `now`, as a query (the twin of `User.is_blocked`)."""
    return User.objects.filter(Q(blocked_permanently=True) | Q(blocked_until__gt=now))


def has_confirmed_email(user):
    """A4: the primary address is confirmed."""
    if not user.is_authenticated or not user.email:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def withdrawal_locked_until(user):
    """A5/A6/P6: the end of the one-week lock after the latest sensitive change, or None when not locked."""
    from django.utils import timezone

    latest = AccountChange.objects.filter(user=user).aggregate(latest=Max("created_at"))["latest"]
    if latest is None:
        return None
    until = latest + timedelta(days=rules.SENSITIVE_CHANGE_LOCK_DAYS)
    return until if until > timezone.now() else None


def profile_get(*, username):
    """The public profile (A9): an anonymised or inactive person has no page."""
    badges = UserBadge.objects.select_related("badge").order_by("granted_at")
    return get_object_or_404(
        User.objects.filter(is_active=True).prefetch_related(Prefetch("badges", queryset=badges)),
        username__iexact=username,
    )


def unread_count_query(user):
    """The person's unread notifications, as one scalar query (the header reads it with its other counters)."""
    return ScalarQuery(
        "SELECT COUNT(*) FROM accounts_notification WHERE user_id = %s AND read_at IS NULL", [user.pk]
    )


def unread_count(user):
    return unread_count_query(user).value()


def notifications_for(*, user):
    return Notification.objects.filter(user=user)


def users_search(*, query, limit=20):
    """C12: users found by login (or display name)."""
    query = (query or "").strip()
    if not query:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True, username__icontains=query)
        .order_by("username")
        .only("username", "display_name", "avatar", "city")[:limit]
    )


def deletion_request_pending_of(*, user):
    """A7: the person's request waiting for support, or None."""
    return DeletionRequest.objects.filter(user=user, status=DeletionRequest.Status.PENDING).first()


def deletion_requests_pending_count():
    return DeletionRequest.objects.filter(status=DeletionRequest.Status.PENDING).count()


def deletion_requests_for_review(*, status):
    """A7: the back office's queue of one status, oldest first, with the people it shows."""
    return (
        DeletionRequest.objects.select_related("user", "processed_by")
        .filter(status=status)
        .order_by("created_at", "pk")
    )


def deletion_request_get(*, pk):
    return get_object_or_404(DeletionRequest, pk=pk)
