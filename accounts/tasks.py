from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from .models import Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notification_email(notification_id):
    """A11: e-mail one notification. Missing or already-deleted notifications are skipped."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return
    context = {"notification": notification, "site_url": settings.SITE_URL, "SITE_NAME": settings.SITE_NAME}
    send_mail(
        subject=f"[{settings.SITE_NAME}] {notification.title}",
        message=render_to_string("accounts/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.user.email],
        html_message=render_to_string("accounts/email/notification.html", context),
    )


@shared_task
def notifications_purge():
    from .services import notifications_purge as purge

    return purge()


@shared_task
def identity_documents_purge():
    """A12: delete the identity documents past their deadline (IDENTITY_DOCUMENT_KEEP_DAYS after the decision)."""
    from .identity import identity_documents_purge as purge

    return purge()
