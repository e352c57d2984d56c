"""M2 on PostgreSQL: two answer sweeps at once block a seller's Kworks once (SKIP LOCKED batches and the
conditional profile UPDATE), and the sweep's query walks the partial index."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import Notification
from marketplace.models import Kwork, SellerProfile
from messaging import rules, services
from messaging.models import Conversation
from tests.concurrency import race

from .helpers import seller_with_kwork, start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_m2_two_sweeps_at_once_block_a_seller_once():
    t0 = timezone.now()
    sellers = [seller_with_kwork() for _ in range(3)]
    with time_machine.travel(t0, tick=False):
        for seller in sellers:
            for _ in range(4):  # several overdue conversations per seller: both sweeps meet the same seller
                start(seller=seller)
    later = t0 + timedelta(hours=rules.ANSWER_HOURS, seconds=1)

    def sweep():
        return services.answer_deadline_sweep(now=later, batch_size=2)

    results = race(sweep, sweep)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 12  # every conversation settled exactly once
    assert Conversation.objects.filter(blocked_at__isnull=False).count() == 12
    for seller in sellers:
        assert SellerProfile.objects.get(user=seller).answer_blocked
        assert not Kwork.objects.filter(seller=seller, answer_blocked=False).exists()
        assert Notification.objects.filter(user=seller, title__startswith="Your Kworks are blocked").count() == 1


def test_m2_the_sweep_query_uses_the_partial_index():
    start()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM messaging_conversation WHERE answer_due_at <= now() "
            "ORDER BY answer_due_at LIMIT 200 FOR UPDATE SKIP LOCKED"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "conversation_m2_due" in plan, plan
