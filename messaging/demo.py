"""Demo conversations of bella (buyer): one with sergio, who answered, and one with nina waiting for her answer
(M2: the deadline shows on nina's inbox and thread). Made through the real services; safe to run again."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User

from . import services
from .models import Conversation


def seed(log):
    bella, sergio, nina = (User.objects.filter(username=name).first() for name in ("bella", "sergio", "nina"))
    if not (bella and sergio and nina):
        log("messaging: demo users missing; skipped")
        return
    if Conversation.objects.filter(buyer=bella).exists():
        log("messaging: demo conversations already there")
        return
    now = timezone.now()
    script = [
        (sergio, bella, "Hi! Could you make the landing page in two languages?", timedelta(days=3)),
        (
            sergio,
            sergio,
            "Hello Bella, yes: order the Kwork with the extra language option.",
            timedelta(days=3, hours=-2),
        ),
        (sergio, bella, "Great, thank you. I will order it this week.", timedelta(days=2)),
        (nina, bella, "Hello Nina, do you also translate technical manuals into German?", timedelta(hours=2)),
    ]
    for seller, author, text, ago in script:
        if services.conversation_refusal(buyer=bella, seller=seller):
            log(f"messaging: {seller.username} has no active Kwork; skipped")
            continue
        conversation = Conversation.objects.filter(buyer=bella, seller=seller).first()
        if conversation is None:
            services.conversation_start(buyer=bella, seller=seller, text=text, now=now - ago)
        else:
            services.message_send(conversation=conversation, author=author, text=text, now=now - ago)
    log("messaging: 2 demo conversations (nina has a message to answer)")
