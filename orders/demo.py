"""Demo orders between bella (buyer) and the sellers sergio and nina, made through the real services, one in
each interesting state: new (waiting for the seller), in progress with a due date and a chat, delivered and
waiting for bella's review, completed (the seller and the platform paid their shares), and one quick-cancelled
(O2). Safe to run again: nothing is added once bella has orders."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from marketplace.models import Kwork
from marketplace.pricing import price_quote
from payments import services as payment_services

from . import rules, services
from .models import Order

# Orders whose deadlines fall a few minutes after seeding, so a person watching the site sees the beat jobs act:
# (seller, state, minutes left, what happens then).
TIMER_BRIEF = "A quick demo job: "
TIMERS = [
    ("sergio", "new", 6, "the seller has not started: the order is cancelled and bella refunded"),
    ("nina", "in_progress", 8, "the work is due: the order is marked late"),
    ("sergio", "delivered", 10, "bella has not reviewed the work: the order completes and sergio is paid"),
]


def _cheapest(seller, skip=()):
    return (
        Kwork.objects.filter(seller=seller, status=Kwork.Status.ACTIVE, uses_packages=False)
        .exclude(pk__in=skip)
        .order_by("price_cents", "pk")
        .first()
    )


def seed(log):
    bella = User.objects.filter(username="bella").first()
    sergio = User.objects.filter(username="sergio").first()
    nina = User.objects.filter(username="nina").first()
    if not (bella and sergio and nina):
        log("orders: demo users missing; skipped")
        return
    _timer_orders(bella, sergio, nina, log)
    if Order.objects.filter(buyer=bella).exclude(requirements__startswith=TIMER_BRIEF).exists():
        log("orders: demo orders already there")
        return
    plan = []  # (kwork, final state)
    used = []
    for seller, states in ((sergio, ["new", "delivered", "cancelled"]), (nina, ["in_progress", "completed"])):
        for state in states:
            kwork = _cheapest(seller, used) or _cheapest(seller)
            if kwork is None:
                log(f"orders: {seller.username} has no active Kwork; skipped")
                return
            used.append(kwork.pk)
            plan.append((kwork, state))
    # The demo orders are paid by their own test-mode top-up, so bella keeps her demo balance for clicking.
    total = sum(price_quote(kwork=kwork).total_cents for kwork, _ in plan)
    payment_services.balance_fund(user=bella, amount_cents=total)
    for kwork, state in plan:
        order = services.order_place(buyer=bella, kwork=kwork)
        if state == "cancelled":
            services.order_cancel_quick(order=order, buyer=bella)
            log(
                f"orders: #{order.pk} {kwork.title} — cancelled by bella within {rules.QUICK_CANCEL_MINUTES} minutes"
            )
            continue
        services.order_requirements_send(
            order=order,
            buyer=bella,
            text="Hello! This is for my online tea shop “Leaf & Cup”. Calm, natural colours please: "
            "greens and warm beige. Our audience is 25–45, mostly women who love slow mornings.",
        )
        if state == "new":
            log(f"orders: #{order.pk} {kwork.title} — new, waiting for {kwork.seller.username} to start")
            continue
        services.order_start(order=order, seller=kwork.seller)
        services.order_message_send(
            order=order,
            author=kwork.seller,
            text="Thanks Bella, I have everything I need. I will send a first version soon.",
        )
        if state == "in_progress":
            services.order_message_send(order=order, author=bella, text="Wonderful, thank you!")
            log(
                f"orders: #{order.pk} {kwork.title} — in progress, due {Order.objects.get(pk=order.pk).due_at:%b %d}"
            )
            continue
        services.order_deliver(
            order=order,
            seller=kwork.seller,
            message="Here is the finished work. I followed your palette; tell me if you want any change.",
        )
        if state == "completed":
            services.order_accept_delivery(order=order, buyer=bella)
        log(f"orders: #{order.pk} {kwork.title} — {state}")


def _timer_orders(bella, sergio, nina, log):
    if Order.objects.filter(buyer=bella, requirements__startswith=TIMER_BRIEF).exists():
        return
    sellers = {"sergio": sergio, "nina": nina}
    plan = [(_cheapest(sellers[name]), state, minutes, then) for name, state, minutes, then in TIMERS]
    if any(kwork is None for kwork, *_ in plan):
        return
    payment_services.balance_fund(user=bella, amount_cents=sum(price_quote(kwork=k).total_cents for k, *_ in plan))
    now = timezone.now()
    for kwork, state, minutes, then in plan:
        order = services.order_place(buyer=bella, kwork=kwork)
        services.order_requirements_send(
            order=order, buyer=bella, text=TIMER_BRIEF + "the same palette as last time, please."
        )
        deadline = now + timedelta(minutes=minutes)
        # Move the clock of this order back, as if it had been placed long enough ago (the deadlines are the
        # ones the services set, shifted; the beat jobs then act on them like on any other order).
        fields = {"placed_at": deadline - timedelta(hours=rules.ACCEPT_HOURS), "accept_by": deadline}
        if state != "new":
            services.order_start(order=order, seller=kwork.seller)
            order.refresh_from_db()
            started = now - (order.due_at - order.started_at) + timedelta(minutes=minutes)
            fields = {"started_at": started, "due_at": deadline}
        if state == "delivered":
            services.order_deliver(order=order, seller=kwork.seller, message="Here it is: the files are attached.")
            fields = {"delivered_at": deadline - timedelta(days=rules.REVIEW_DAYS), "review_until": deadline}
        Order.objects.filter(pk=order.pk).update(**fields)
        log(f"orders: #{order.pk} {state}, in about {minutes} minutes {then}")
