"""ratings/demo.py: levels, stars, Top Rated and Super buyer come from real orders and feedback made through the
services (R1–R11, A10), and running it again adds nothing."""

import io

import pytest
from django.core.management import call_command

from accounts.models import UserBadge
from marketplace.models import Kwork
from ratings.models import BoostingFlag, BuyerStats, Feedback, FeedbackResponse, SellerStats

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_reputation_comes_from_real_orders_and_is_not_added_twice():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    sergio = SellerStats.objects.get(seller__username="sergio")
    nina = SellerStats.objects.get(seller__username="nina")
    assert (sergio.level, sergio.completed_count, sergio.stars, sergio.negative_count) == ("advanced", 27, 5.0, 0)
    assert (nina.level, nina.completed_count, nina.stars, nina.negative_count) == (
        "advanced",
        19,
        4.5,
        1,
    )  # 18 here + bella's from orders/demo.py
    top = Kwork.objects.get(top_rated=True)
    assert top.seller.username == "sergio" and top.feedback_count == 21
    assert BuyerStats.objects.get(buyer__username="olga").super_buyer
    assert UserBadge.objects.filter(user__username="olga", badge__code="super-buyer").exists()
    assert FeedbackResponse.objects.filter(status="approved").count() == 2
    assert FeedbackResponse.objects.filter(status="pending").count() == 1
    # Only olga's repeated orders look like boosting; the texts of different buyers are not near-identical.
    assert set(BoostingFlag.objects.values_list("kind", flat=True)) == {"repeat_pair"}
    count = Feedback.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Feedback.objects.count() == count
