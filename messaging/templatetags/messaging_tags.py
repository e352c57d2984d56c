from django import template

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def messaging_unread(context):
    """The header's unread count (one query), for the person logged in."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return selectors.unread_total(user=user)


@register.inclusion_tag("messaging/partials/contact_button.html", takes_context=True)
def contact_seller(context, seller, kwork=None):
    """M1: "Contact the seller" on Kwork pages and profiles, shown only for a seller with an active Kwork (on the
    Kwork page the Kwork itself says so, without a query) and never to the seller."""
    from marketplace.models import Kwork

    user = context.get("user")
    if user is not None and user.is_authenticated and user.pk == seller.pk:
        show = False
    elif kwork is not None and kwork.status == Kwork.Status.ACTIVE:
        show = True
    else:
        show = Kwork.objects.filter(seller=seller, status=Kwork.Status.ACTIVE).exists()
    return {"show": show, "seller": seller, "user": user}
