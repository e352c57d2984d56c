"""Marketplace beat jobs run safely twice at once (PostgreSQL, real threads)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace import services
from marketplace.models import CartItem, Kwork, SearchTerm
from tests.concurrency import race
from tests.factories import UserFactory
from tests.marketplace.factories import KworkFactory, SubcategoryFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
]


def test_c12_typo_vocabulary_refresh_twice_at_once_never_fails():
    seller, sub = UserFactory(), SubcategoryFactory()
    # Enough distinct words that the two rebuilds overlap.
    for i in range(300):
        words = " ".join(f"{WORDS[i % 16]}{i}{j}word" for j in range(6))
        KworkFactory(seller=seller, category=sub, title=f"I will do {WORDS[i % 16]} {i}", description=words)
    services.kwork_search_vectors_update(list(Kwork.objects.values_list("pk", flat=True)))
    first = services.search_terms_refresh()
    for _ in range(3):
        results = race(services.search_terms_refresh, services.search_terms_refresh, services.search_terms_refresh)
        assert not [r for r in results if isinstance(r, Exception)], results
        assert results == [first, first, first]
    assert SearchTerm.objects.count() == first


def test_c13_cart_purge_twice_at_once_removes_each_item_once():
    kwork = KworkFactory()
    old = timezone.now() - timedelta(days=30)
    CartItem.objects.bulk_create(CartItem(user=UserFactory(), kwork=kwork, added_at=old) for _ in range(30))
    results = race(services.cart_purge_expired, services.cart_purge_expired)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 30 and not CartItem.objects.exists()
