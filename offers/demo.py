"""Demo individual offer (C15): sergio, an Advanced seller once the ratings demo ran, offers bella a custom job in
their conversation, through the real service. Safe to run again: nothing is added once sergio has sent one."""

from accounts.models import User
from common.errors import DomainError
from marketplace.models import Kwork
from messaging.models import Conversation

from . import services
from .models import IndividualOffer


def seed(log):
    bella = User.objects.filter(username="bella").first()
    sergio = User.objects.filter(username="sergio").first()
    conversation = Conversation.objects.filter(buyer=bella, seller=sergio).first() if bella and sergio else None
    if conversation is None:
        log("offers: no demo conversation between bella and sergio; skipped")
        return
    if IndividualOffer.objects.filter(seller=sergio).exists():
        log("offers: demo offer already there")
        return
    kwork = Kwork.objects.filter(seller=sergio, status=Kwork.Status.ACTIVE).order_by("pk").first()
    try:
        services.offer_create(
            seller=sergio,
            buyer=bella,
            kwork=kwork,
            title="Landing page in English and German",
            description="A one-page responsive landing page in two languages, with a contact form and basic SEO.",
            price_cents=18_000,
            lead_time_days=6,
            conversation=conversation,
        )
    except DomainError as exc:
        log(f"offers: demo offer skipped ({exc.message})")
        return
    log("offers: sergio sent bella an individual offer")
