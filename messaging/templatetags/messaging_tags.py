from django import template

register = template.Library()


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
