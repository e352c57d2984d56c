from datetime import UTC, datetime

import pytest

from accounts.models import User
from common.db import update_from_values
from tests.factories import UserFactory


@pytest.mark.django_db
def test_update_from_values_sets_each_row_its_own_values_including_nulls_and_times():
    a, b = UserFactory(), UserFactory(last_seen_at=datetime(2026, 1, 1, tzinfo=UTC))
    seen = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
    written = update_from_values(
        User, ["display_name", "last_seen_at"], [(a.pk, "Alpha", seen), (b.pk, "Beta", None)]
    )
    assert written == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.display_name, a.last_seen_at) == ("Alpha", seen)
    assert (b.display_name, b.last_seen_at) == ("Beta", None)
    assert update_from_values(User, ["display_name"], []) == 0
