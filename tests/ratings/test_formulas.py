"""Every formula of ratings/formulas.py on hand-made histories, at its window edges and thresholds (R3–R7, R9–R11).
Pure functions: no database."""

import pytest

from ratings import formulas, rules
from tests.ratings.factories import fact, history

# --- R3 responsibility: last 30 rated orders --------------------------------------------------------------------


def test_r3_responsibility_is_100_with_clean_orders_and_none_without_any():
    assert formulas.responsibility(history(("ok", 5))) == 100.0
    assert formulas.responsibility([]) is None


def test_r3_a_failed_order_as_the_30th_counts_and_as_the_31st_no_longer_does():
    inside = history(("failed", 1), ("ok", 29))  # the failed order is the 30th newest
    outside = history(("failed", 1), ("ok", 30))  # the 31st newest
    assert formulas.responsibility(inside) == pytest.approx(100 * (1 - 1 / 30), abs=0.01)
    assert formulas.responsibility(outside) == 100.0


@pytest.mark.parametrize(
    ("kind", "weight"),
    [
        ("late", rules.RESPONSIBILITY_WEIGHT_DELAY),
        ("auto", rules.RESPONSIBILITY_WEIGHT_AUTO_CANCEL),
        ("failed", rules.RESPONSIBILITY_WEIGHT_NEGATIVE_CANCEL),
        ("lost", rules.RESPONSIBILITY_WEIGHT_ARBITRATION_LOST),
    ],
)
def test_r3_delays_auto_cancellations_negative_cancellations_and_arbitration_lost_lower_it(kind, weight):
    facts = history(("ok", 9), (kind, 1))
    assert formulas.responsibility(facts) == pytest.approx(100 * (1 - weight / 10), abs=0.01)


def test_r3_neutral_cancellations_have_no_effect_and_do_not_take_a_place_in_the_window():
    facts = history(("failed", 1), ("ok", 29), ("neutral", 5))
    assert formulas.responsibility(facts) == pytest.approx(100 * (1 - 1 / 30), abs=0.01)
    assert formulas.responsibility(history(("neutral", 3))) is None


def test_r3_one_order_costs_at_most_one_order_even_late_and_lost():
    facts = [*history(("ok", 9)), fact("lost", was_overdue=True)]
    assert formulas.responsibility(facts) == pytest.approx(90.0)


# --- R4 overall rating: last 80 rated orders --------------------------------------------------------------------


def test_r4_positive_feedback_raises_and_negative_lowers_the_rating():
    assert formulas.rating(history(("ok", 4), feedback=True)) == 100.0
    assert formulas.rating(history(("ok", 4))) == rules.RATING_BASE
    assert formulas.rating(history(("ok", 4), feedback=False)) == 0.0
    assert formulas.rating([]) is None


def test_r4_a_negative_feedback_as_the_80th_counts_and_as_the_81st_no_longer_does():
    inside = [fact("ok", feedback=False), *history(("ok", 79))]
    outside = [fact("ok", feedback=False), *history(("ok", 80))]
    assert formulas.rating(inside) == pytest.approx(50 - 50 / 80, abs=0.01)
    assert formulas.rating(outside) == 50.0


def test_r4_repeat_orders_raise_the_rating():
    first = fact("ok", buyer_id=7)
    again = fact("ok", buyer_id=7)
    other = fact("ok", buyer_id=8)
    assert formulas.repeat_ids([first, again, other]) == {again.id}
    assert formulas.rating([first, again, other]) == pytest.approx(
        50 + 50 * rules.RATING_WEIGHT_REPEAT / 3, abs=0.01
    )


# --- R5 -------------------------------------------------------------------------------------------------------


def test_r5_average_lead_time_over_completed_and_time_to_start_over_all_started_orders():
    facts = [fact("ok"), fact("ok"), fact("active"), fact("auto")]
    assert formulas.avg_lead_time_hours(facts) == 48.0  # started 2 days before completion
    assert formulas.avg_start_hours(facts) == 24.0  # the active order counts, the never-started one does not
    assert formulas.avg_lead_time_hours([fact("active")]) is None


# --- R6 stars -------------------------------------------------------------------------------------------------


def test_r6_five_stars_when_nearly_all_feedback_is_positive_and_none_without_feedback():
    assert formulas.stars(19, 1) == 5.0  # 95 %
    assert formulas.stars(18, 2) == 4.5  # 90 %
    assert formulas.stars(1, 1) == 2.5
    assert formulas.stars(0, 3) == 0.0
    assert formulas.stars(0, 0) is None


def test_r6_orders_without_feedback_give_no_stars():
    figures = formulas.seller_figures(history(("ok", 10)))
    assert figures["stars"] is None
    assert formulas.seller_figures([*history(("ok", 10)), fact("ok", feedback=True)])["stars"] == 5.0


# --- R7 levels: last 100 rated orders -------------------------------------------------------------------------


def test_r7_more_than_10_completed_makes_advanced_10_does_not():
    assert formulas.level(history(("ok", 10))) == formulas.NEWBIE
    assert formulas.level(history(("ok", 11))) == formulas.ADVANCED


def test_r7_more_than_50_completed_makes_professional_50_does_not():
    assert formulas.level(history(("ok", 50))) == formulas.ADVANCED
    assert formulas.level(history(("ok", 51))) == formulas.PROFESSIONAL


def test_r7_advanced_needs_less_than_10_percent_bad_orders_9_9_passes_10_does_not():
    assert formulas.level(history(("failed", 9), ("ok", 82))) == formulas.ADVANCED  # 9 / 91 = 9.9 %
    assert formulas.level(history(("failed", 10), ("ok", 90))) == formulas.NEWBIE  # 10 / 100 = 10 %


def test_r7_professional_needs_less_than_8_percent():
    assert formulas.level(history(("failed", 7), ("ok", 93))) == formulas.PROFESSIONAL  # 7 %
    assert formulas.level(history(("failed", 8), ("ok", 92))) == formulas.ADVANCED  # 8 %


def test_r7_negative_feedback_counts_as_bad_like_a_failed_order():
    facts = [*history(("ok", 8), feedback=False), *history(("ok", 92))]
    assert formulas.level(facts) == formulas.ADVANCED


def test_r7_the_100th_order_counts_and_the_101st_no_longer_does():
    hundred = history(("failed", 8), ("ok", 92))
    assert formulas.level(hundred) == formulas.ADVANCED  # 8 of 100
    assert formulas.level([*hundred, fact("ok")]) == formulas.PROFESSIONAL  # the oldest failed is the 101st


def test_r7_a_seller_falls_back_a_level():
    facts = history(("ok", 20))
    assert formulas.level(facts) == formulas.ADVANCED
    assert formulas.level([*facts, *history(("failed", 3))]) == formulas.NEWBIE  # 3 of 23 = 13 %


# --- R9 Top Rated ------------------------------------------------------------------------------------------------


def test_r9_top_rated_needs_20_positive_completed_orders_of_the_kwork_and_a_clean_seller():
    facts = history(("ok", 20), feedback=True)
    assert formulas.top_rated_seller(facts)
    assert formulas.kwork_top_rated(facts, True)
    assert not formulas.kwork_top_rated(facts[:19], True)
    assert not formulas.kwork_top_rated(facts, False)


@pytest.mark.parametrize("spoiler", [fact("ok", feedback=False), fact("late", feedback=True), fact("failed")])
def test_r9_negative_feedback_an_expired_order_or_a_negative_cancellation_loses_it(spoiler):
    assert not formulas.top_rated_seller([*history(("ok", 30), feedback=True), spoiler])


def test_r9_few_orders_without_feedback_20_percent_passes_more_does_not():
    assert formulas.top_rated_seller([*history(("ok", 8), feedback=True), *history(("ok", 2))])
    assert not formulas.top_rated_seller([*history(("ok", 7), feedback=True), *history(("ok", 3))])


# --- R10 ----------------------------------------------------------------------------------------------------------


def test_r10_successfully_completed_and_on_time_percentages():
    facts = [*history(("ok", 6)), *history(("late", 2)), fact("failed"), fact("lost"), fact("neutral")]
    figures = formulas.seller_figures(facts)
    assert figures["completed_count"] == 8
    assert figures["success_percent"] == 80.0  # 8 of 10 rated
    assert figures["on_time_percent"] == 75.0  # 6 of 8 completed


def test_r10_an_arbitration_split_is_completed_but_not_successfully():
    split = fact("ok", arbitration_lost=True)
    figures = formulas.seller_figures([fact("ok"), split])
    assert figures["completed_count"] == 2
    assert figures["success_percent"] == 50.0


# --- R11 buyer levels and Super buyer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purchases", "level"),
    [(0, 1), (6, 1), (7, 2), (19, 2), (20, 3), (49, 3), (50, 4), (89, 4), (90, 5), (500, 5)],
)
def test_r11_buyer_levels_by_purchases(purchases, level):
    assert formulas.buyer_level(purchases) == level


def test_r11_super_buyer_from_12_purchases_in_the_window():
    assert not formulas.super_buyer(11)
    assert formulas.super_buyer(12)
