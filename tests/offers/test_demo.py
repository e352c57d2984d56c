"""offers/demo.py: sergio (Advanced after the ratings demo) offers bella a custom job in their conversation, through
the service; safe to run again."""

import io

import pytest
from django.core.management import call_command

from offers.models import IndividualOffer

pytestmark = pytest.mark.django_db


def test_c15_demo_offer_is_pending_in_bellas_conversation_and_made_once():
    call_command("seed_demo", stdout=io.StringIO())
    offer = IndividualOffer.objects.get(seller__username="sergio")
    assert (offer.buyer.username, offer.status, offer.price_cents) == ("bella", "pending", 18_000)
    assert offer.message.conversation_id == offer.conversation_id
    call_command("seed_demo", stdout=io.StringIO())
    assert IndividualOffer.objects.count() == 1
