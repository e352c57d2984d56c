"""Demo data of the support desk (T3, A12): bella's open ticket waiting for a first answer, with an answered
one beside it, and nina's identity document waiting for Support. Safe to run again."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import identity
from accounts.models import IdentityCheck, User

from . import tickets
from .models import Ticket


def _document():
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (226, 232, 240)).save(buffer, "PNG")
    return SimpleUploadedFile("id-card.png", buffer.getvalue(), content_type="image/png")


def seed(log):
    people = {u.username: u for u in User.objects.filter(username__in=["bella", "nina", "sam"])}
    if len(people) < 3:
        return
    bella, nina, sam = people["bella"], people["nina"], people["sam"]
    if not Ticket.objects.filter(user=bella).exists():
        tickets.ticket_open(
            user=bella,
            topic=Ticket.Topic.PAYMENTS,
            subject="My card payment is not on my balance",
            text="I topped up $20 an hour ago and the balance still shows the old amount. Can you check?",
        )
        answered = tickets.ticket_open(
            user=bella,
            topic=Ticket.Topic.ACCOUNT,
            subject="How do I change my login?",
            text="I would like a different login. Is that possible?",
        )
        tickets.ticket_note(ticket=answered, staff_user=sam, text="Login changes: once, from settings.")
        tickets.ticket_answer(
            ticket=answered,
            staff_user=sam,
            text="Yes, once: Settings → Login. The old login then points to your new one.",
        )
        log("Support tickets: bella has one waiting for support and one answered.")
    if not IdentityCheck.objects.filter(user=nina).exists() and not identity.identity_is_verified(user=nina):
        identity.identity_check_submit(user=nina, document=_document())
        log("Identity check: nina's document is waiting for support.")
