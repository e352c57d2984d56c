"""The nightly recomputation on PostgreSQL: two runs started at the same moment (two beat deliveries, a manual
run during the nightly one) never recompute a batch twice and together cover everyone once (the cursor row is
taken FOR UPDATE SKIP LOCKED; each batch moves it in the same transaction)."""

import threading
import time
from collections import Counter

import pytest

from ratings.models import RecomputeCursor, SellerStats
from ratings.services import recompute
from tests.concurrency import race
from tests.orders.factories import kwork_of
from tests.ratings.factories import order_row

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_nightly_runs_at_once_do_not_double_work(monkeypatch):
    kworks = [kwork_of() for _ in range(6)]
    for kwork in kworks:
        order_row(kwork=kwork)
    seen = Counter()
    lock = threading.Lock()
    real = recompute.users_recompute

    def counting(*, seller_ids, buyer_ids, now=None):
        with lock:
            seen.update(seller_ids)
        time.sleep(0.05)  # keep the batch's transaction open so the two runs overlap
        return real(seller_ids=seller_ids, buyer_ids=buyer_ids, now=now)

    monkeypatch.setattr(recompute, "users_recompute", counting)
    results = race(
        lambda: recompute.ratings_recompute_nightly(batch_size=2),
        lambda: recompute.ratings_recompute_nightly(batch_size=2),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    sellers = {k.seller_id for k in kworks}
    assert set(seen) == sellers and all(seen[s] == 1 for s in sellers), seen
    assert SellerStats.objects.filter(seller_id__in=sellers, completed_count=1).count() == len(sellers)
    cursor = RecomputeCursor.objects.get()
    assert cursor.position == 0 and cursor.finished_at
    # A run started after the pass finished starts a new pass (the next night).
    assert recompute.ratings_recompute_nightly(batch_size=100) == 1
