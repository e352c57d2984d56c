"""Demo buyer requests (Q1–Q3), made through the real services: one of bella's waiting in maria's moderation
queue, and one published with sergio's offer of a matching Kwork. Safe to run again: nothing is added once bella
has requests."""

from accounts.models import User
from marketplace.models import Kwork

from . import services
from .models import BuyerRequest


def seed(log):
    bella = User.objects.filter(username="bella").first()
    sergio = User.objects.filter(username="sergio").first()
    maria = User.objects.filter(username="maria").first()
    if not (bella and sergio and maria):
        log("buyer_requests: demo users missing; skipped")
        return
    if BuyerRequest.objects.filter(buyer=bella).exists():
        log("buyer_requests: demo requests already there")
        return
    kwork = (
        Kwork.objects.filter(seller=sergio, status=Kwork.Status.ACTIVE)
        .select_related("category__parent")
        .order_by("pk")
        .first()
    )
    if kwork is None:
        log("buyer_requests: sergio has no active Kwork; skipped")
        return
    subcategory = kwork.category
    services.request_create(
        buyer=bella,
        title="A short explainer video for my online shop",
        description="About 60 seconds, friendly tone, showing how ordering and delivery work. I have the script.",
        subcategory=subcategory,
        budget_cents=15_000,
    )
    published = services.request_create(
        buyer=bella,
        title=f"Help wanted: {subcategory.name.lower()} for a small bakery",
        description="We are opening a second shop next month and need this done in a week. "
        "Tell me what you would do and what it costs.",
        subcategory=subcategory,
        budget_cents=max(kwork.price_cents * 2, 5_000),
    )
    services.request_activate(request=published, moderator=maria)
    services.request_offer_create(
        request=published,
        seller=sergio,
        message="Hi Bella! I have done this for two cafés; my Kwork below covers everything you describe.",
        kwork=kwork,
    )
    services.subscriptions_set(seller=sergio, categories=[subcategory.parent])
    log("buyer_requests: one request waiting for moderation, one published with an offer")
