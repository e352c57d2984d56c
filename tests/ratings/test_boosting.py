"""R12: boosting suspicions are flagged for Moderators (never acted on automatically); staff confirm them and
remove all the confirmed boosted feedback in one admin action, with the figures recomputed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from ratings import rules, services
from ratings.models import BoostingFlag, Feedback, FeedbackRemoval, SellerStats
from tests.factories import in_group
from tests.orders.factories import kwork_of, person
from tests.ratings.factories import order_row

pytestmark = pytest.mark.django_db
Kind = BoostingFlag.Kind


def feedback_on(order, *, positive=True, text="Everything was great, thank you so much!"):
    return services.feedback_leave(order=order, buyer=order.buyer, is_positive=positive, text=text)


def old_person():
    user = person()
    user.date_joined = timezone.now() - timedelta(days=rules.BOOST_YOUNG_ACCOUNT_DAYS + 1)
    user.save(update_fields=["date_joined"])
    return user


def test_r12_the_same_buyer_and_seller_repeatedly_in_a_short_time_is_flagged():
    kwork, buyer = kwork_of(), old_person()
    texts = iter(
        ["Went fine.", "Also fine, thanks.", "Good again, as usual.", "Once more, all good.", "Fifth: fine."]
    )
    for _ in range(rules.BOOST_REPEAT_PAIR_MIN_ORDERS - 1):
        feedback_on(order_row(kwork=kwork, buyer=buyer), text=next(texts) + " Nothing more to add here.")
    assert not BoostingFlag.objects.filter(kind=Kind.REPEAT_PAIR).exists()  # 4 orders: not yet
    feedback_on(order_row(kwork=kwork, buyer=buyer), text=next(texts) + " Nothing more to add here.")
    flag = BoostingFlag.objects.get(kind=Kind.REPEAT_PAIR)
    assert flag.status == BoostingFlag.Status.OPEN and flag.orders.count() == rules.BOOST_REPEAT_PAIR_MIN_ORDERS
    assert Feedback.objects.filter(removed_at__isnull=True).count() == rules.BOOST_REPEAT_PAIR_MIN_ORDERS  # kept


def test_r12_orders_spread_over_more_than_the_window_are_not_flagged():
    kwork, buyer = kwork_of(), old_person()
    start = timezone.now() - timedelta(days=40)
    orders = [order_row(kwork=kwork, buyer=buyer, at=start + timedelta(days=8 * i)) for i in range(5)]
    feedback_on(orders[-1])
    assert not BoostingFlag.objects.filter(kind=Kind.REPEAT_PAIR).exists()


def test_r12_reciprocal_orders_are_flagged():
    a, b = kwork_of(), kwork_of()
    order_row(kwork=b, buyer=a.seller)  # A bought from B
    order = order_row(kwork=a, buyer=b.seller)  # B buys from A
    feedback_on(order)
    flag = BoostingFlag.objects.get(kind=Kind.RECIPROCAL)
    assert {flag.seller_id, flag.buyer_id} == {a.seller_id, b.seller_id}


def test_r12_positive_feedback_from_a_buyer_account_younger_than_a_week_is_flagged_negative_is_not():
    order = order_row(buyer=person())  # joined just now
    feedback_on(order)
    assert BoostingFlag.objects.filter(kind=Kind.YOUNG_BUYER, buyer=order.buyer).exists()
    other = order_row(buyer=person())
    feedback_on(other, positive=False, text="It was not what I ordered at all, sadly.")
    assert not BoostingFlag.objects.filter(kind=Kind.YOUNG_BUYER, buyer=other.buyer).exists()
    seasoned = order_row(buyer=old_person())
    feedback_on(seasoned)
    assert not BoostingFlag.objects.filter(kind=Kind.YOUNG_BUYER, buyer=seasoned.buyer).exists()


def test_r12_near_identical_texts_from_different_buyers_are_flagged():
    kwork = kwork_of()
    first = order_row(kwork=kwork, buyer=old_person())
    second = order_row(kwork=kwork, buyer=old_person())
    third = order_row(kwork=kwork, buyer=old_person())
    feedback_on(first, text="Amazing seller, super fast delivery, highly recommended!!")
    feedback_on(second, text="Amazing seller, super fast delivery, highly recommended!")
    flag = BoostingFlag.objects.get(kind=Kind.SIMILAR_TEXT)
    assert flag.feedback.count() == 2
    feedback_on(third, text="The logo needed two rounds but the result is what we wanted.")
    assert BoostingFlag.objects.filter(kind=Kind.SIMILAR_TEXT).count() == 1


def test_r12_staff_confirm_and_remove_all_boosted_feedback_in_one_action_and_figures_are_recomputed():
    kwork, buyer = kwork_of(), person()
    orders = [order_row(kwork=kwork, buyer=buyer) for _ in range(3)]
    clean = order_row(kwork=kwork, buyer=old_person())
    for order in orders:
        feedback_on(order, text=f"Great job on order {order.pk}, thanks a lot!")
    feedback_on(clean, text="A careful seller who listens to what you need.")
    services.seller_stats_recompute(seller_ids=[kwork.seller_id])
    assert SellerStats.objects.get(seller=kwork.seller).positive_count == 4
    flag = BoostingFlag.objects.get(kind=Kind.YOUNG_BUYER)
    staff = in_group(person(), "Moderators")
    with pytest.raises(DomainError, match="confirm the suspicion first"):
        services.boosting_feedback_remove(flags=[flag], staff_user=staff)
    with pytest.raises(DomainError, match="Only our staff"):
        services.boosting_flag_confirm(flag=flag, staff_user=kwork.seller)
    services.boosting_flag_confirm(flag=flag, staff_user=staff)
    assert services.boosting_feedback_remove(flags=[flag], staff_user=staff) == 3
    assert set(Feedback.objects.filter(removed_at__isnull=True).values_list("order_id", flat=True)) == {clean.pk}
    assert FeedbackRemoval.objects.filter(reason="boosting").count() == 3
    figures = SellerStats.objects.get(seller=kwork.seller)
    assert (figures.positive_count, figures.removed_feedback_count) == (1, 3)


def test_r12_admin_actions_confirm_and_remove(client):
    kwork = kwork_of()
    order = order_row(kwork=kwork, buyer=person())
    feedback_on(order)
    flag = BoostingFlag.objects.get()
    moderator = in_group(person(), "Moderators")
    moderator.is_staff = True
    moderator.save(update_fields=["is_staff"])
    client.force_login(moderator)
    url = reverse("admin:ratings_boostingflag_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "confirm", "_selected_action": [flag.pk]})
    flag.refresh_from_db()
    assert flag.status == BoostingFlag.Status.CONFIRMED and flag.decided_by == moderator
    client.post(url, {"action": "remove_boosted", "_selected_action": [flag.pk]})
    assert Feedback.objects.get().removal_reason == "boosting"
