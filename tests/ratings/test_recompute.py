"""Recalculation (R3–R11, A10): figures follow each event on commit (orders' order_finished signal, feedback,
removal), are copied onto the Kworks for the catalogue (C12) with a catalogue version bump only when something
changed, the seller_level hook (R7/R8), Super buyer granted and revoked as time slides (R11/A10), the nightly
pass (resumable cursor) and the management command."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import UserBadge
from marketplace import hooks
from marketplace.caching import catalogue_version
from marketplace.models import Kwork
from orders import services as order_services
from orders.services import orders_autocomplete
from ratings import reads, rules, services
from ratings.models import BuyerStats, RecomputeCursor, SellerStats
from ratings.services.recompute import facts_for_sellers
from tests.factories import in_group
from tests.orders.factories import delivered, kwork_of, person, started
from tests.ratings.factories import completed, order_row

pytestmark = pytest.mark.django_db
TEXT = "Clean work, delivered as promised and on time."


def stats(user):
    return SellerStats.objects.get(seller=user)


def test_r10_completion_recomputes_the_seller_and_buyer_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = completed()
    figures = stats(order.seller)
    assert (figures.completed_count, figures.success_percent, figures.on_time_percent) == (1, 100.0, 100.0)
    assert figures.responsibility == 100.0 and figures.rating == rules.RATING_BASE and figures.stars is None
    assert BuyerStats.objects.get(buyer=order.buyer).purchases == 1
    assert Kwork.objects.get(pk=order.kwork_id).orders_count == 1


def test_r1_feedback_and_its_removal_move_the_figures_on_commit(django_capture_on_commit_callbacks):
    order = completed()
    with django_capture_on_commit_callbacks(execute=True):
        feedback = services.feedback_leave(order=order, buyer=order.buyer, is_positive=True, text=TEXT)
    figures = stats(order.seller)
    assert (figures.positive_count, figures.stars, figures.rating) == (1, 5.0, 100.0)
    kwork = Kwork.objects.get(pk=order.kwork_id)
    assert (kwork.feedback_count, kwork.rating, kwork.seller_rating, kwork.seller_feedback_count) == (
        1,
        100.0,
        100.0,
        1,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_remove(
            feedback=feedback, staff_user=in_group(person(), "Moderators"), reason="unrelated"
        )
    figures = stats(order.seller)
    assert (figures.positive_count, figures.removed_feedback_count, figures.stars) == (0, 1, None)
    assert Kwork.objects.get(pk=order.kwork_id).feedback_count == 0


def test_r3_a_sweep_batch_recomputes_every_seller_of_the_batch(django_capture_on_commit_callbacks):
    orders = [delivered() for _ in range(3)]
    later = timezone.now() + timedelta(days=4)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert orders_autocomplete() == 3
    for order in orders:
        assert stats(order.seller).completed_count == 1


def test_r3_cancellation_against_the_seller_lowers_responsibility_on_commit(django_capture_on_commit_callbacks):
    order = started()
    with django_capture_on_commit_callbacks(execute=True):
        order_services.cancellation_request_create(order=order, user=order.seller, reason="seller_busy")
    assert stats(order.seller).responsibility == 0.0
    assert stats(order.seller).success_percent == 0.0


@pytest.mark.parametrize(("refund", "lost"), [(0, False), (400, True), ("all", True)])
def test_r3_arbitration_lost_is_a_full_or_partial_refund_decided_by_support(refund, lost):
    order = started()
    order_services.order_open_arbitration(order=order, user=order.buyer, description="Not what we agreed.")
    order_services.order_arbitration_resolve(
        order=order,
        staff_user=in_group(person(), "Support"),
        refund_cents=order.total_cents if refund == "all" else refund,
        reasoning="Decided.",
    )
    (fact,) = facts_for_sellers([order.seller_id])[order.seller_id]
    assert fact.arbitration_lost is lost
    services.seller_stats_recompute(seller_ids=[order.seller_id])
    assert stats(order.seller).responsibility == (0.0 if lost else 100.0)


def test_r7_r8_the_seller_level_hook_reads_the_figures_and_a_seller_falls_back():
    kwork = kwork_of()
    seller = kwork.seller
    assert hooks.seller_level(seller) == hooks.NEWBIE
    for _ in range(11):
        order_row(kwork=kwork)
    services.seller_stats_recompute(seller_ids=[seller.pk])
    assert hooks.seller_level(seller) == hooks.ADVANCED
    assert Kwork.objects.get(pk=kwork.pk).seller_level == hooks.ADVANCED
    for _ in range(2):
        order_row(kwork=kwork, kind="failed")
    services.seller_stats_recompute(seller_ids=[seller.pk])
    assert hooks.seller_level(seller) == hooks.NEWBIE  # 2 of 13 = 15 %


def test_c12_kwork_figures_bump_the_catalogue_version_only_when_they_change():
    kwork = kwork_of()
    order_row(kwork=kwork, feedback=True)
    before = catalogue_version()
    services.seller_stats_recompute(seller_ids=[kwork.seller_id])
    moved = catalogue_version()
    assert moved > before
    services.seller_stats_recompute(seller_ids=[kwork.seller_id])
    assert catalogue_version() == moved  # nothing changed: nothing written, grids stay cached


def test_r9_top_rated_comes_with_20_positive_orders_and_goes_with_a_negative_feedback():
    kwork = kwork_of()
    other = kwork_of(kwork.seller)
    for _ in range(19):
        order_row(kwork=kwork, feedback=True)
    services.seller_stats_recompute(seller_ids=[kwork.seller_id])
    assert not Kwork.objects.get(pk=kwork.pk).top_rated
    order_row(kwork=kwork, feedback=True)
    services.seller_stats_recompute(seller_ids=[kwork.seller_id])
    assert Kwork.objects.get(pk=kwork.pk).top_rated
    assert not Kwork.objects.get(pk=other.pk).top_rated  # its own 20 orders are missing
    assert stats(kwork.seller).top_rated_seller
    order_row(kwork=other, feedback=False)
    services.seller_stats_recompute(seller_ids=[kwork.seller_id])
    assert not Kwork.objects.get(pk=kwork.pk).top_rated


def test_r11_a10_super_buyer_is_granted_and_revoked_when_activity_drops():
    buyer = person()
    now = timezone.now()
    for day in range(12):
        order_row(buyer=buyer, at=now - timedelta(days=day + 1))
    services.buyer_stats_recompute(buyer_ids=[buyer.pk], now=now)
    figures = BuyerStats.objects.get(buyer=buyer)
    assert (figures.purchases, figures.level, figures.super_buyer) == (12, 2, True)
    assert UserBadge.objects.filter(user=buyer, badge__code=rules.SUPER_BUYER_BADGE).exists()
    # The oldest purchase (12 days ago) leaves the three months exactly 90 days after it: the nightly pass notices.
    edge = now + timedelta(days=rules.SUPER_BUYER_WINDOW_DAYS - 12)
    with time_machine.travel(edge - timedelta(seconds=1), tick=False):
        services.ratings_recompute_nightly()
    figures.refresh_from_db()
    assert (figures.recent_purchases, figures.super_buyer) == (12, True)
    with time_machine.travel(edge, tick=False):
        services.ratings_recompute_nightly()
    figures.refresh_from_db()
    assert (figures.recent_purchases, figures.super_buyer) == (11, False)
    assert not UserBadge.objects.filter(user=buyer, badge__code=rules.SUPER_BUYER_BADGE).exists()


def test_r11_a_user_who_mostly_sells_shows_the_buyer_level_only_to_sellers_they_buy_from():
    kwork = kwork_of()
    user = kwork.seller
    for _ in range(3):
        order_row(kwork=kwork)
    their_seller = kwork_of()
    order_row(kwork=their_seller, buyer=user)
    services.buyer_stats_recompute(buyer_ids=[user.pk])
    assert reads.buyer_stats_for(user).mostly_sells
    assert reads.buyer_level_visible_to(buyer=user, viewer=their_seller.seller)
    assert reads.buyer_level_visible_to(buyer=user, viewer=user)
    assert not reads.buyer_level_visible_to(buyer=user, viewer=person())
    plain_buyer = person()
    order_row(buyer=plain_buyer)
    assert reads.buyer_level_visible_to(buyer=plain_buyer, viewer=person())


def test_r1_other_sellers_see_the_buyer_average_only_once_there_are_enough_ratings():
    buyer = person()
    for stars in range(rules.BUYER_RATING_MIN_COUNT):
        order = order_row(buyer=buyer)
        services.buyer_rating_leave(order=order, seller=order.seller, stars=stars + 3)
        services.buyer_stats_recompute(buyer_ids=[buyer.pk])
        figures = BuyerStats.objects.get(buyer=buyer)
        if stars + 1 < rules.BUYER_RATING_MIN_COUNT:
            assert figures.rating_avg is None
    assert figures.rating_avg == 4.0 and figures.rating_count == rules.BUYER_RATING_MIN_COUNT


def test_r7_level_report_says_what_is_missing_and_which_orders_lowered_each_figure():
    kwork = kwork_of()
    for _ in range(9):
        order_row(kwork=kwork)
    late = order_row(kwork=kwork, kind="late", feedback=False)
    failed = order_row(kwork=kwork, kind="failed")
    report = reads.level_report(seller=kwork.seller)
    assert report.level == "newbie" and report.next_level == "advanced"
    assert report.window_orders == 11 and report.window_completed == 10 and report.window_bad == 2
    assert report.missing[0] == "1 more completed order"
    assert "under 10 %" in report.missing[1]
    assert [o.order_id for o in report.lowering["responsibility"]] == [failed.pk, late.pk]
    assert [o.order_id for o in report.lowering["rating"]] == [late.pk]
    assert [(o.order_id, o.why) for o in report.lowering["level"]] == [
        (failed.pk, "cancelled for a reason against you"),
        (late.pk, "negative feedback"),
    ]


def test_nightly_pass_is_resumable_and_does_not_run_twice():
    sellers = [kwork_of() for _ in range(3)]
    for kwork in sellers:
        order_row(kwork=kwork)
    users = list(type(sellers[0].seller).objects.order_by("pk").values_list("pk", flat=True))
    assert services.ratings_recompute_nightly(batch_size=2, max_batches=1) == 1  # interrupted after one batch
    cursor = RecomputeCursor.objects.get()
    assert cursor.position == users[1]
    done = services.ratings_recompute_nightly(batch_size=2)  # resumes after the cursor
    assert done == (len(users) - 2 + 1) // 2
    cursor.refresh_from_db()
    assert cursor.position == 0 and cursor.finished_at
    assert SellerStats.objects.filter(seller__in=[k.seller for k in sellers]).count() == 3


def test_nightly_pass_fixes_drift():
    kwork = kwork_of()
    order_row(kwork=kwork, feedback=True)
    services.seller_stats_recompute(seller_ids=[kwork.seller_id])
    SellerStats.objects.filter(seller=kwork.seller).update(completed_count=99, rating=1.0)
    Kwork.objects.filter(pk=kwork.pk).update(rating=3.0)
    services.ratings_recompute_nightly()
    assert (stats(kwork.seller).completed_count, stats(kwork.seller).rating) == (1, 100.0)
    assert Kwork.objects.get(pk=kwork.pk).rating == 100.0


def test_management_command_recomputes_one_seller_or_all(capsys):
    kwork = kwork_of()
    order_row(kwork=kwork)
    call_command("ratings_recompute", "--seller", kwork.seller.username.upper())
    assert stats(kwork.seller).completed_count == 1
    other = kwork_of()
    order_row(kwork=other)
    call_command("ratings_recompute")
    assert stats(other.seller).completed_count == 1
    assert "Recomputed" in capsys.readouterr().out
