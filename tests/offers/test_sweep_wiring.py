"""C15 expiry sweep wiring: beat runs it (config/celery.py gathers offers/schedule.py), the task calls the service,
and on PostgreSQL the sweep's query reads the partial index over pending offers' expires_at."""

from datetime import timedelta

import pytest
from django.db import connection

from config.celery import build_beat_schedule
from offers import rules, tasks
from offers.models import IndividualOffer
from tests.offers.conftest import make_offer


def test_c15_beat_runs_the_expiry_sweep():
    entry = build_beat_schedule()["offers-expire"]
    assert entry["task"] == "offers.tasks.offers_expire"
    assert entry["options"]["expires"] < rules.SWEEP_EVERY_MINUTES * 60


def test_c15_the_task_expires_due_offers(offer, time_machine):
    time_machine.move_to(offer.expires_at + timedelta(seconds=1), tick=False)
    assert tasks.offers_expire() == 1
    assert IndividualOffer.objects.get(pk=offer.pk).status == IndividualOffer.Status.EXPIRED
    assert tasks.offers_expire() == 0


@pytest.mark.postgres
def test_c15_expiry_sweep_uses_the_partial_index(advanced, seller, buyer, kwork):
    make_offer(seller=seller, buyer=buyer, kwork=kwork)
    queryset = (
        IndividualOffer.objects.filter(status="pending", expires_at__lte=IndividualOffer.objects.get().expires_at)
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)[: rules.SWEEP_BATCH_SIZE]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "offer_pending_expiry" in plan, plan
