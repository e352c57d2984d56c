"""Where offers meet the messaging app, in one place: the pair's conversation, the thread's address, the
seller's message that carries an offer, and the buyer's "ask for an offer" start. Messaging knows nothing of
offers; the thread shows an offer through `message.offer` (templates/offers/partials/offer_card.html)."""

from django.shortcuts import get_object_or_404
from django.urls import reverse

from messaging.models import Conversation


def conversation_for_seller(*, seller, pk):
    """The seller's own conversation `pk`; a 404 for anyone else (only the seller sends offers in it)."""
    return get_object_or_404(Conversation.objects.select_related("buyer", "seller"), pk=pk, seller=seller)


def conversation_lock(conversation):
    """Lock the conversation row first (then offers, then messaging's own writes in the same transaction), so two
    offers sent at once in one conversation queue up instead of racing."""
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def thread_url(conversation_id):
    return reverse("messaging:conversation", args=[conversation_id])


def post_offer_message(*, offer, text):
    """The seller's message announcing the offer in the thread (through messaging's own service: it counts as an
    answer for M2, notifies the buyer, and keeps the inbox counters)."""
    from messaging import services as messaging_services

    return messaging_services.message_send(conversation=offer.conversation, author=offer.seller, text=text)


def ask_start(*, buyer, seller, text):
    """The buyer's message asking for an offer: it starts the conversation, or joins the pair's one (M1, M3 and
    the M2 answer clock apply as to any message)."""
    from messaging import services as messaging_services

    return messaging_services.conversation_start(buyer=buyer, seller=seller, text=text)
