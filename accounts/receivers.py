from allauth.account.signals import email_changed, user_signed_up
from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse

from .models import AccountChange
from .rules import NotificationKind
from .services import account_change_record, notification_send


@receiver(email_changed, dispatch_uid="accounts.email_changed_lock")
def _lock_after_email_change(sender, request, user, from_email_address, to_email_address, **kwargs):
    # A5: allauth has already mailed the old address; we record the change, which starts the one-week lock.
    if from_email_address is None:
        return
    account_change_record(
        user=user,
        kind=AccountChange.Kind.EMAIL,
        old_value=from_email_address.email,
        new_value=to_email_address.email,
    )


@receiver(user_signed_up, dispatch_uid="accounts.welcome")
def _welcome(sender, request, user, **kwargs):
    notification_send(
        user=user,
        kind=NotificationKind.WELCOME,
        title=f"Welcome to {settings.SITE_NAME}!",
        body="Add a photo and a few words about yourself: buyers and sellers trust complete profiles.",
        url=reverse("accounts:settings"),
    )
