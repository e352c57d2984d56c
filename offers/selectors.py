"""Reads of individual offers for the pages: another person's offer is a 404; lists use a fixed number of
queries."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from marketplace.models import Kwork

from .models import IndividualOffer


def _offers():
    return IndividualOffer.objects.select_related("seller", "buyer", "kwork", "order")


def offer_get_for(*, user, pk):
    """The offer if `user` is its seller or buyer; a 404 for anyone else (staff included: offers are private)."""
    offer = get_object_or_404(_offers(), pk=pk)
    if user.pk not in (offer.seller_id, offer.buyer_id):
        raise Http404
    return offer


def offers_for(*, user):
    """Offers the user sent or received, newest first."""
    return _offers().filter(Q(seller=user) | Q(buyer=user)).order_by("-created_at", "-pk")


def kworks_for_offer(*, seller):
    """The seller's Kworks an offer can be built on: those on sale."""
    return Kwork.objects.filter(seller=seller, status=Kwork.Status.ACTIVE).order_by("title", "pk")
