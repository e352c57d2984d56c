"""Demo reputation, made through the real services: demo buyers order from sergio and nina, the sellers start,
deliver, the buyers accept and leave feedback; the figures come from those orders (nothing set by hand).

- sergio: 27 completed orders, all liked: Advanced, five stars, and the Kwork they were for Top Rated (R9: 20+ liked
  completed orders of that Kwork, no negative feedback, no late or failed orders). Two responses: one approved by
  maria, one waiting for moderation.
- nina: 18 more completed orders (19 with bella's), one disliked (she answered it): Advanced, 4.5 stars.
- olga: 12 purchases in the last three months: Super buyer (R11, A10). Twelve orders with the same two sellers
  in a day also raise a boosting suspicion (R12) in the admin — a flag for a moderator, nothing removed.
Safe to run again: nothing is added once sergio has feedback."""

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from marketplace.models import Kwork
from marketplace.pricing import price_quote
from orders import services as order_services
from payments import services as payment_services

from . import services
from .models import Feedback

BUYERS = [
    # login, display name
    ("tomas", "Tomás Ferreira"),
    ("ivy", "Ivy Chen"),
    ("leon", "Leon Weber"),
    ("mila", "Mila Horvat"),
    ("oscar", "Oscar Lindqvist"),
    ("paula", "Paula Rossi"),
    ("quentin", "Quentin Moreau"),
    ("olga", "Olga Petrova"),
]
# Feedback texts are an opening and a closing, each pair used once: real people do not write the same sentence
# twice, and near-identical texts from different buyers would be flagged as boosting (R12).
OPENINGS = [
    "The logo came out exactly as I pictured it.",
    "Fast, friendly and very careful with the details.",
    "Three concepts on the first day and the final files in every format.",
    "He listened to our ideas and made them better.",
    "Professional from start to finish, revisions done within hours.",
    "A simple, elegant result that works small and large.",
    "Delivered a day early and explained every choice of colour and font.",
]
CLOSINGS = [
    "Would order again.",
    "Our customers love the new look.",
    "Exactly what a small business needs, at a fair price.",
    "Clear communication all along, thank you!",
    "Worth every cent.",
    "Already planning the next project with him.",
]
NINA_OPENINGS = [
    "The Czech translation reads as if it was written in Czech.",
    "Accurate, on time, and our brand terms stayed consistent.",
    "Natural German, no awkward phrases at all.",
    "Quick questions before starting, then a flawless text.",
    "SEO texts that still sound human.",
]
NINA_CLOSINGS = [
    "Excellent work.",
    "Recommended to anyone.",
    "Our readers noticed the difference.",
    "Thank you, Nina!",
]
NINA_DISLIKE = "The tone was more formal than we asked for and it took a second round to fix."
NINA_ANSWER = "Thank you for the honest words. I reworked the tone the same day and will ask about it first."
SERGIO_ANSWERS = [
    "Thank you, it was a pleasure to work on your brand!",
    "Thanks a lot! Happy to help again whenever you need.",
]


def _buyers(log):
    people = []
    joined = timezone.now() - timezone.timedelta(days=120)
    for login, name in BUYERS:
        email = f"{login}@gigly.test"
        user, created = User.objects.get_or_create(
            username=login,
            defaults={
                "email": email,
                "display_name": name,
                "mode": "buyer",
                "adult_confirmed_at": joined,
                "terms_accepted_at": joined,
                "date_joined": joined,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        people.append(user)
    log(f"ratings: demo buyers {', '.join(login for login, _ in BUYERS)} (password as in README)")
    return people


def _kwork(seller, words, *, besides=None):
    active = Kwork.objects.filter(seller=seller, status=Kwork.Status.ACTIVE, uses_packages=False)
    if besides is not None:
        active = active.exclude(pk=besides.pk)
    return active.filter(title__icontains=words).first() or active.order_by("price_cents", "pk").first()


def _completed(buyer, kwork):
    payment_services.balance_fund(user=buyer, amount_cents=price_quote(kwork=kwork).total_cents)
    order = order_services.order_place(buyer=buyer, kwork=kwork)
    order_services.order_start(order=order, seller=kwork.seller)
    order_services.order_deliver(order=order, seller=kwork.seller, message="Here is the finished work.")
    return order_services.order_accept_delivery(order=order, buyer=buyer)


def _feedback(order, positive, text):
    return services.feedback_leave(order=order, buyer=order.buyer, is_positive=positive, text=text)


def seed(log):
    _seed_feedback(log)
    _seed_portfolio(log)


# Results of sergio's most ordered Kwork (the one the feedback above is about).
PORTFOLIO = {
    "sergio": [
        "Tea shop site: mobile menu fixed",
        "Bakery site: broken layout repaired",
        "Yoga studio: contact form works again",
        "Bike shop: checkout page fixed",
    ]
}


def _seed_portfolio(log):
    """C14: results of completed orders whose buyers allowed it, shown on the Kwork page and the seller's page."""
    from django.utils.text import slugify

    from marketplace.demo import gallery_png
    from marketplace.models import PortfolioItem
    from orders.models import Order

    for username, names in PORTFOLIO.items():
        seller = User.objects.filter(username=username).first()
        if seller is None or PortfolioItem.objects.filter(seller=seller).exists():
            continue
        kwork = _kwork(seller, "logo")
        orders = Order.objects.filter(kwork=kwork, status=Order.Status.COMPLETED, portfolio_consent__isnull=True)
        added = 0
        for order, name in zip(orders.order_by("pk"), names, strict=False):
            order_services.order_portfolio_consent_set(order=order, buyer=order.buyer, consent=True)
            upload = gallery_png(name, added + 6)
            upload.name = f"{slugify(name)}.png"
            order_services.order_portfolio_upload(order=order, seller=seller, upload=upload)
            added += 1
        log(f"ratings: {added} portfolio items on {seller.username}'s Kwork “{kwork.title}”")


def _seed_feedback(log):
    sergio = User.objects.filter(username="sergio").first()
    nina = User.objects.filter(username="nina").first()
    maria = User.objects.filter(username="maria").first()
    if not (sergio and nina and maria):
        log("ratings: demo users missing; skipped")
        return
    if Feedback.objects.filter(seller=sergio).exists():
        log("ratings: demo feedback already there")
        return
    logo, translation = _kwork(sergio, "logo"), _kwork(nina, "translate")
    other = _kwork(sergio, "landing", besides=logo) or logo
    if logo is None or translation is None:
        log("ratings: sergio or nina has no active Kwork; skipped")
        return
    buyers = _buyers(log)
    regulars, olga = buyers[:-1], buyers[-1]

    sergio_feedback = []
    for i in range(21):  # three orders from each regular buyer: repeat orders raise the rating (R4)
        order = _completed(regulars[i % len(regulars)], logo)
        sergio_feedback.append(_feedback(order, True, f"{OPENINGS[i % 7]} {CLOSINGS[i // 7]}"))
    for i in range(12):  # olga: 6 orders with each seller, liked
        if i % 2 == 0:
            order = _completed(olga, other)
            text = f"{OPENINGS[(i // 2) % 7]} {CLOSINGS[3 + (i // 2) % 3]}"
        else:
            order = _completed(olga, translation)
            text = f"{NINA_OPENINGS[(i // 2) % 5]} {NINA_CLOSINGS[3]}"
        _feedback(order, True, text)
    disliked = None
    for i in range(12):
        order = _completed(regulars[i % len(regulars)], translation)
        if i == 5:
            disliked = _feedback(order, False, NINA_DISLIKE)
        elif i != 11:  # one order without feedback
            _feedback(order, True, f"{NINA_OPENINGS[i % 5]} {NINA_CLOSINGS[(i // 5) % 3]}")

    approved = services.feedback_response_submit(
        feedback=sergio_feedback[0], seller=sergio, text=SERGIO_ANSWERS[0]
    )
    services.feedback_response_approve(response=approved, moderator=maria)
    services.feedback_response_submit(feedback=sergio_feedback[1], seller=sergio, text=SERGIO_ANSWERS[1])
    answer = services.feedback_response_submit(feedback=disliked, seller=nina, text=NINA_ANSWER)
    services.feedback_response_approve(response=answer, moderator=maria)

    people = [sergio.pk, nina.pk, *(b.pk for b in buyers)]
    services.users_recompute(seller_ids=[sergio.pk, nina.pk], buyer_ids=people)
    for seller in (sergio, nina):
        figures = seller.seller_stats
        log(
            f"ratings: {seller.username} — {figures.get_level_display()}, {figures.completed_count} completed, "
            f"{figures.positive_count} liked / {figures.negative_count} disliked, stars {figures.stars}"
        )
    top = ", ".join(Kwork.objects.filter(top_rated=True).values_list("title", flat=True)) or "none"
    log(f"ratings: Top Rated Kworks: {top}; olga is a Super buyer: {olga.buyer_stats.super_buyer}")
