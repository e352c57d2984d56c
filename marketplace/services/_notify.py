"""Notifications of the marketplace's services, sent only once the transaction commits."""

from django.db import transaction

from accounts import services as account_services


def notify_on_commit(*, user, kind, title, body="", url=""):
    """`kind` is an accounts.rules.NotificationKind."""
    transaction.on_commit(
        lambda: account_services.notification_send(user=user, kind=kind, title=title, body=body, url=url)
    )
