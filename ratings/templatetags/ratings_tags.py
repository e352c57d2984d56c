"""What the ratings app adds to other apps' pages, one tag line each (R1, R2, R6, R9–R11):

- `{% kwork_feedback kwork %}` / `{% seller_feedback person %}`: the feedback list with its filter and pages;
- `{% seller_summary seller %}`: level, stars and the R10 figures;
- `{% order_feedback order %}`: the order page's feedback, buyer-rating and response forms;
- `{% order_buyer_card order %}`: R11 and the private ratings average, for the seller of the order;
- `{% profile_buyer_level person %}`: the buyer level on the public page, when R11 lets this viewer see it;
- `{{ stats.stars|stars }}`: "★★★★½" (R6).

The orders, marketplace and accounts apps know nothing of ratings: their templates load these tags."""

from django import template
from django.urls import reverse

from .. import selectors

register = template.Library()


def _list(context, *, kwork=None, seller=None, list_url, page_url):
    request = context.get("request")
    params = request.GET if request is not None else {}
    return {
        "feedback": selectors.feedback_list(
            kwork=kwork,
            seller=seller,
            kind=params.get(selectors.FILTER_PARAM),
            page_number=params.get(selectors.PAGE_PARAM),
        ),
        "list_url": list_url,
        "page_url": page_url,
        "request": request,
    }


@register.inclusion_tag("ratings/partials/feedback_section.html", takes_context=True)
def kwork_feedback(context, kwork):
    return _list(
        context,
        kwork=kwork,
        list_url=reverse("ratings:kwork_feedback", args=[kwork.pk]),
        page_url=kwork.get_absolute_url(),
    )


@register.inclusion_tag("ratings/partials/feedback_section.html", takes_context=True)
def seller_feedback(context, person):
    return _list(
        context,
        seller=person,
        list_url=reverse("ratings:seller_feedback", args=[person.username]),
        page_url=reverse("accounts:profile", args=[person.username]),
    )


@register.inclusion_tag("ratings/partials/seller_summary.html", takes_context=True)
def seller_summary(context, seller):
    user = context.get("user")
    stats = selectors.seller_figures(seller)
    is_self = user is not None and user.is_authenticated and user.pk == seller.pk
    return {
        "seller": seller,
        "stats": stats,
        "is_self": is_self,
        # Someone who never sold has no figures (an unsaved default row): their page shows none, except to them.
        "shown": is_self or not stats._state.adding,
    }


@register.inclusion_tag("orders/partials/feedback.html", takes_context=True)
def order_feedback(context, order):
    from ..views import panel_context

    values = panel_context(order=order, user=context["user"])
    values.update({"request": context.get("request"), "csrf_token": context.get("csrf_token")})
    return values


@register.inclusion_tag("ratings/partials/buyer_card.html", takes_context=True)
def order_buyer_card(context, order):
    user = context["user"]
    if order.party_of(user) != "seller":
        return {"card": None}
    return {"card": selectors.buyer_card(buyer=order.buyer, viewer=user), "buyer": order.buyer}


@register.inclusion_tag("ratings/partials/buyer_level.html", takes_context=True)
def profile_buyer_level(context, person):
    return {"buyer_stats": selectors.buyer_level_for_profile(person=person, viewer=context["user"])}


@register.filter
def stars(value):
    """R6 stars in halves as text: 4.5 → "★★★★½"; nothing for no stars."""
    if value is None or value == "":
        return ""
    halves = round(float(value) * 2)
    return "★" * (halves // 2) + ("½" if halves % 2 else "")


@register.filter
def percent(value):
    """A figure in % for people: 96.66 → "97 %"; "—" when there is none yet."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.0f} %"


@register.inclusion_tag("ratings/partials/dashboard_card.html")
def seller_level_card(seller):
    """The seller dashboard's card: level, stars, responsibility, with the way to "Your level"."""
    return {"stats": selectors.seller_figures(seller)}
