"""The dashboard cards of buyer requests (Q1, Q2): a few counts, each one query."""

from django import template
from django.db.models import Q
from django.utils import timezone

from ..models import BuyerRequest, RequestOffer, RequestSubscription

register = template.Library()
Status = BuyerRequest.Status


@register.simple_tag
def requests_counts_buyer(user):
    mine = BuyerRequest.objects.filter(buyer=user)
    return {
        "open": mine.filter(status__in=(Status.PENDING, Status.ACTIVE)).count(),
        "offers_waiting": RequestOffer.objects.filter(request__buyer=user, order__isnull=True).count(),
    }


@register.simple_tag
def requests_counts_seller(user):
    category_ids = list(RequestSubscription.objects.filter(seller=user).values_list("category_id", flat=True))
    open_requests = BuyerRequest.objects.filter(status=Status.ACTIVE, active_until__gt=timezone.now()).exclude(
        buyer=user
    )
    if category_ids:
        open_requests = open_requests.filter(
            Q(subcategory_id__in=category_ids) | Q(subcategory__parent_id__in=category_ids)
        )
    return {
        "open": open_requests.count(),
        "subscribed": bool(category_ids),
        "offers": RequestOffer.objects.filter(seller=user).count(),
        "ordered": RequestOffer.objects.filter(seller=user, order__isnull=False).count(),
    }
