from allauth.account.signals import email_changed
from django.dispatch import receiver

from .models import AccountChange
from .services import account_change_record


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
