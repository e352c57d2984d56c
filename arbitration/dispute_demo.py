"""Demo data of disputes (O12): sergio (buying a translation) has an order from nina in arbitration, his statement
and ask on file, waiting for nina's answer and for Support to take the case. Made through the real services; bella's
demo orders stay as the orders demo made them. Safe to run again."""

from accounts.models import User
from marketplace.models import Kwork
from marketplace.pricing import price_quote
from orders import services as order_services
from payments import services as payment_services

from . import disputes
from .models import Dispute, Outcome


def seed(log):
    people = {u.username: u for u in User.objects.filter(username__in=["sergio", "nina"])}
    if len(people) < 2:
        log("arbitration: demo users missing; no dispute")
        return
    if Dispute.objects.exists():
        log("arbitration: a demo dispute is already there")
        return
    buyer, nina = people["sergio"], people["nina"]
    kwork = (
        Kwork.objects.filter(seller=nina, status=Kwork.Status.ACTIVE, uses_packages=False).order_by("pk").first()
    )
    if kwork is None:
        log("arbitration: nina has no active Kwork; no dispute")
        return
    # Paid by its own test-mode top-up, so the buyer keeps his demo balance.
    payment_services.balance_fund(user=buyer, amount_cents=price_quote(kwork=kwork).total_cents)
    order = order_services.order_place(buyer=buyer, kwork=kwork)
    order_services.order_start(order=order, seller=nina)
    dispute = disputes.dispute_open(
        order=order,
        user=buyer,
        description="Three days past the agreed date and no draft at all; the seller stopped answering the chat. "
        "I would accept half of the money back if a first draft arrives this week.",
        asked_outcome=Outcome.SPLIT,
        asked_refund_cents=order.total_cents // 2,
    )
    log(f"arbitration: dispute on order #{order.pk} waiting for nina's answer and for Support (#{dispute.pk})")
