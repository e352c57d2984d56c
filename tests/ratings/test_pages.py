"""The ratings pages (R1, R2, R6, R7, R9–R11, O11, C12): the order page's feedback, buyer-rating and response forms
against every role, the feedback lists of the Kwork page and the seller's public page (filter, pages, approved
responses only, removed count), "Your level", the buyer card, Kwork page views, and query counts that do not
grow with the number of feedbacks."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import MODERATORS, SUPPORT
from marketplace.models import Kwork
from ratings import services
from ratings.models import BuyerRating, Feedback, FeedbackResponse, SellerStats
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import KworkFactory, SubcategoryFactory
from tests.orders.factories import kwork_of, person
from tests.ratings.factories import completed, order_row

pytestmark = pytest.mark.django_db

RULE_ID = re.compile(r"\b[ACMOPRT]\d{1,2}\b")  # "R7", "O11": never shown to people


def order_url(order):
    return reverse("orders:detail", args=[order.pk])


def feedback_url(order):
    return reverse("ratings:feedback_leave", args=[order.pk])


def response_url(order):
    return reverse("ratings:response_submit", args=[order.pk])


def rating_url(order):
    return reverse("ratings:buyer_rating", args=[order.pk])


def login(client, user):
    client.force_login(user)
    return client


def staff(group):
    return in_group(verified(UserFactory(is_staff=True)), group)


@pytest.fixture
def done_order():
    return completed()


def leave(order, *, positive=True, text="Clean work, delivered on time. Thank you!"):
    return services.feedback_leave(order=order, buyer=order.buyer, is_positive=positive, text=text)


def visible_text(response):
    """The page without its scripts and tags (what a person reads)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", response.content.decode(), flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# --- the order page: who sees which form (R1, R2, O11) ---------------------------------------------------


def test_r1_order_page_shows_the_feedback_form_to_the_buyer_only(client, done_order):
    page = login(client, done_order.buyer).get(order_url(done_order))
    assert page.status_code == 200
    assert 'data-testid="feedback-form"' in page.text
    assert 'data-testid="buyer-rating-form"' not in page.text

    page = login(client, done_order.seller).get(order_url(done_order))
    assert 'data-testid="feedback-form"' not in page.text
    assert 'data-testid="buyer-rating-form"' in page.text  # the seller's private rating of the buyer
    assert "No feedback yet. The buyer can leave it until" in page.text


@pytest.mark.parametrize("who", ["stranger", "moderator", "support"])
def test_r1_others_cannot_see_or_post_the_forms(client, done_order, who):
    user = {"stranger": person, "moderator": lambda: staff(MODERATORS), "support": lambda: staff(SUPPORT)}[who]()
    login(client, user)
    assert client.get(order_url(done_order)).status_code == 404
    for url, data in (
        (feedback_url(done_order), {"verdict": "like", "text": "Great work, thank you so much."}),
        (rating_url(done_order), {"stars": "5"}),
        (response_url(done_order), {"text": "Thanks!"}),
    ):
        assert client.post(url, data).status_code == 404
    assert not Feedback.objects.exists() and not BuyerRating.objects.exists()


def test_r1_anonymous_posts_go_to_login(client, done_order):
    response = client.post(feedback_url(done_order), {"verdict": "like", "text": "Great work, thank you."})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Feedback.objects.exists()


def test_r1_no_form_while_the_order_runs(client):
    from tests.orders.factories import started

    order = started()
    page = login(client, order.buyer).get(order_url(order))
    assert 'data-testid="feedback-panel"' not in page.text
    response = client.post(feedback_url(order), {"verdict": "like", "text": "Great work so far, thanks."})
    assert response.status_code == 400
    assert "Feedback can be left once the order is completed" in response.text
    assert not Feedback.objects.exists()


def test_r1_buyer_leaves_feedback_without_javascript(client, done_order):
    login(client, done_order.buyer)
    response = client.post(feedback_url(done_order), {"verdict": "dislike", "text": "The logo came late, sadly."})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/orders/{done_order.pk}/#feedback")
    feedback = Feedback.objects.get(order=done_order)
    assert feedback.is_positive is False and feedback.text == "The logo came late, sadly."
    page = client.get(order_url(done_order))
    assert "Your feedback" in page.text and "The logo came late, sadly." in page.text
    assert 'data-testid="feedback-form"' not in page.text


def test_r1_buyer_leaves_feedback_with_htmx_and_gets_the_panel_back(client, done_order):
    login(client, done_order.buyer)
    response = client.post(
        feedback_url(done_order), {"verdict": "like", "text": "Lovely logo, thank you!"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card feedback-panel" id="feedback"')
    assert "Thank you! Your feedback is published" in response.text
    assert "<html" not in response.text
    assert Feedback.objects.filter(order=done_order, is_positive=True).exists()


def test_r1_second_feedback_is_refused_and_nothing_changes(client, done_order):
    leave(done_order, text="First words: great work, thanks.")
    login(client, done_order.buyer)
    response = client.post(feedback_url(done_order), {"verdict": "dislike", "text": "Changed my mind, bad work."})
    assert response.status_code == 400
    assert "You have already left feedback on this order." in response.text
    feedback = Feedback.objects.get(order=done_order)
    assert feedback.is_positive is True and feedback.text == "First words: great work, thanks."


def test_r1_feedback_by_the_seller_is_refused(client, done_order):
    login(client, done_order.seller)
    response = client.post(feedback_url(done_order), {"verdict": "like", "text": "My own work is great!!"})
    assert response.status_code == 400
    assert "Only the buyer of this order can leave feedback." in response.text
    assert not Feedback.objects.exists()


def test_r1_invalid_form_keeps_the_input_and_says_why(client, done_order):
    login(client, done_order.buyer)
    response = client.post(feedback_url(done_order), {"text": "Nice work on my logo."})
    assert response.status_code == 400
    assert "Please choose like or dislike." in response.text
    assert "Nice work on my logo." in response.text  # the text is kept
    htmx = client.post(feedback_url(done_order), {"text": "Nice work on my logo."}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 422 and "Please choose like or dislike." in htmx.text
    assert not Feedback.objects.exists()


def test_r1_contact_details_are_refused_next_to_the_field(client, done_order):
    login(client, done_order.buyer)
    response = client.post(
        feedback_url(done_order), {"verdict": "like", "text": "Great, write me at me@example.com"}
    )
    assert response.status_code == 400
    assert not Feedback.objects.exists()


def test_r1_late_feedback_says_the_time_is_over(client, done_order, time_machine):
    from datetime import timedelta

    from ratings import rules

    time_machine.move_to(done_order.completed_at + timedelta(days=rules.FEEDBACK_WINDOW_DAYS, minutes=1))
    login(client, done_order.buyer)
    page = client.get(order_url(done_order))
    assert "The time to leave feedback on this order is over" in page.text
    assert 'data-testid="feedback-form"' not in page.text
    response = client.post(feedback_url(done_order), {"verdict": "like", "text": "Late but lovely work."})
    assert response.status_code == 400 and not Feedback.objects.exists()


def test_o11_feedback_after_a_cancellation_against_the_seller(client):
    from tests.ratings.factories import cancelled_by_seller

    order = cancelled_by_seller()
    page = login(client, order.buyer).get(order_url(order))
    assert 'data-testid="feedback-form"' in page.text


def test_r1_seller_rates_the_buyer_privately(client, done_order):
    login(client, done_order.seller)
    response = client.post(rating_url(done_order), {"stars": "4"})
    assert response.status_code == 302
    assert BuyerRating.objects.get(order=done_order).stars == 4
    page = client.get(order_url(done_order))
    assert "You rated the buyer" in page.text and "4 of 5" in page.text
    again = client.post(rating_url(done_order), {"stars": "1"})
    assert again.status_code == 400 and "You have already rated this buyer for this order." in again.text
    assert BuyerRating.objects.get(order=done_order).stars == 4
    # The buyer never sees it, nor can they rate themselves.
    login(client, done_order.buyer)
    assert "You rated the buyer" not in client.get(order_url(done_order)).text
    assert client.post(rating_url(done_order), {"stars": "5"}).status_code == 400
    assert BuyerRating.objects.get(order=done_order).stars == 4


# --- the response (R2) ---------------------------------------------------------------------------------------


def test_r2_seller_responds_waits_for_moderation_then_it_shows(client, done_order):
    feedback = leave(done_order, positive=False, text="The colours were not what I asked for.")
    login(client, done_order.seller)
    page = client.get(order_url(done_order))
    assert 'data-testid="response-form"' in page.text
    response = client.post(response_url(done_order), {"text": "Sorry! I fixed the colours the next day."})
    assert response.status_code == 302
    page = client.get(order_url(done_order))
    assert "Waiting for moderation" in page.text and 'data-testid="response-form"' not in page.text
    # Not public before approval: the Kwork page and the buyer's order page show no text yet.
    kwork_page = client.get(done_order.kwork.get_absolute_url())
    assert "I fixed the colours" not in kwork_page.text
    login(client, done_order.buyer)
    assert "I fixed the colours" not in client.get(order_url(done_order)).text
    services.feedback_response_approve(response=FeedbackResponse.objects.get(), moderator=staff(MODERATORS))
    assert "I fixed the colours" in client.get(order_url(done_order)).text
    kwork_page = client.get(done_order.kwork.get_absolute_url())
    assert 'data-testid="feedback-response"' in kwork_page.text and "I fixed the colours" in kwork_page.text
    assert FeedbackResponse.objects.get().feedback == feedback


def test_r2_response_by_someone_else_is_refused(client, done_order):
    leave(done_order)
    login(client, done_order.buyer)
    page = client.get(order_url(done_order))
    assert 'data-testid="response-form"' not in page.text
    response = client.post(response_url(done_order), {"text": "I answer my own feedback."})
    assert response.status_code == 400
    assert "Only the seller who received this feedback can respond to it." in response.text
    assert not FeedbackResponse.objects.exists()


def test_r2_second_response_is_refused(client, done_order):
    leave(done_order)
    login(client, done_order.seller)
    client.post(response_url(done_order), {"text": "Thank you, it was a pleasure."})
    again = client.post(response_url(done_order), {"text": "Another answer."}, HTTP_HX_REQUEST="true")
    assert again.status_code == 422 and "You have already responded to this feedback." in again.text
    assert FeedbackResponse.objects.get().text == "Thank you, it was a pleasure."


# --- the Kwork page and the seller's public page (R1, R2, R6, R9, R10, A9) --------------------------------


def _feedbacks(kwork, count, *, positive=True):
    return [order_row(kwork=kwork, feedback=positive) for _ in range(count)]


def test_r1_kwork_page_lists_feedback_newest_first_with_filter_counts_and_pages(client):
    from ratings import rules

    kwork = kwork_of()
    _feedbacks(kwork, rules.PAGE_SIZE + 2, positive=True)
    negative = order_row(kwork=kwork, feedback=False)
    Feedback.objects.filter(order=negative).update(text="Not what I ordered at all.")
    page = client.get(kwork.get_absolute_url())
    assert page.status_code == 200
    assert page.text.count('data-testid="feedback-item"') == rules.PAGE_SIZE
    first = page.text.index('data-testid="feedback-item"')
    assert "Not what I ordered at all." in page.text[first : first + 1500]  # newest first
    assert f'All <span class="tab-count">{rules.PAGE_SIZE + 3}</span>' in page.text
    assert 'Negative <span class="tab-count">1</span>' in page.text
    negative_only = client.get(kwork.get_absolute_url(), {"feedback": "negative"})
    assert negative_only.text.count('data-testid="feedback-item"') == 1
    second = client.get(kwork.get_absolute_url(), {"fpage": 2})
    assert second.text.count('data-testid="feedback-item"') == 3


def test_r1_feedback_list_htmx_partial_and_plain_redirect(client):
    kwork = kwork_of()
    _feedbacks(kwork, 2)
    url = reverse("ratings:kwork_feedback", args=[kwork.pk])
    partial = client.get(url, {"feedback": "positive"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.text
    assert partial.text.count('data-testid="feedback-item"') == 2
    plain = client.get(url, {"feedback": "positive"})
    assert (
        plain.status_code == 302 and plain["Location"] == f"{kwork.get_absolute_url()}?feedback=positive#feedback"
    )
    junk = client.get(url, {"feedback": "x", "fpage": "99999999999999999999"}, HTTP_HX_REQUEST="true")
    assert junk.status_code == 200


def test_r1_removed_feedback_is_hidden_and_counted_on_the_profile(client):
    kwork = kwork_of()
    _kept, gone = _feedbacks(kwork, 2)
    Feedback.objects.filter(order=gone).update(text="Spam spam spam spam.")
    services.feedback_remove(
        feedback=Feedback.objects.get(order=gone), staff_user=staff(SUPPORT), reason="breaks_rules"
    )
    services.seller_stats_recompute(seller_ids=[kwork.seller_id])
    profile = client.get(reverse("accounts:profile", args=[kwork.seller.username]))
    assert "Spam spam spam spam." not in profile.text
    assert profile.text.count('data-testid="feedback-item"') == 1
    assert "Feedback removed by staff" in profile.text
    assert "Spam spam" not in client.get(kwork.get_absolute_url()).text


def test_r10_a9_profile_shows_the_seller_figures_level_and_feedback(client):
    kwork = kwork_of()
    _feedbacks(kwork, 3)
    services.seller_stats_recompute(seller_ids=[kwork.seller_id])
    stats = SellerStats.objects.get(seller=kwork.seller)
    profile = client.get(reverse("accounts:profile", args=[kwork.seller.username]))
    text = visible_text(profile)
    assert 'data-testid="seller-summary"' in profile.text
    assert "Completed orders" in text and "Successfully completed" in text and "Submitted on time" in text
    assert f'data-testid="completed-count">{stats.completed_count}<' in profile.text
    assert stats.get_level_display() in text
    assert profile.text.count('data-testid="feedback-item"') == 3
    assert "on " in text and kwork.title in text  # the profile names each feedback's Kwork
    assert not RULE_ID.search(text), RULE_ID.search(text)
    # Only the seller themself gets the link to "Your level".
    assert reverse("ratings:my_level") not in profile.text
    login(client, kwork.seller)
    assert (
        reverse("ratings:my_level") in client.get(reverse("accounts:profile", args=[kwork.seller.username])).text
    )


def test_r9_top_rated_badge_on_the_card_and_the_kwork_page(client):
    sub = SubcategoryFactory()
    top = KworkFactory(category=sub, top_rated=True, title="I will write top texts")
    KworkFactory(category=sub, title="I will write other texts")
    grid = client.get(reverse("marketplace:category", args=[sub.slug]))
    assert grid.text.count('data-testid="top-rated"') == 1
    assert 'data-testid="top-rated"' in client.get(top.get_absolute_url()).text


def test_r6_cards_show_stars_out_of_five(client):
    sub = SubcategoryFactory()
    KworkFactory(category=sub, seller_stars=4.5, seller_rating=87.0, seller_feedback_count=12)
    grid = client.get(reverse("marketplace:category", args=[sub.slug]))
    assert "★ 4.5" in grid.text and "87" not in visible_text(grid).split("★ 4.5")[1][:20]


# --- query counts: equal for 1 and 50 feedbacks (DESIGN: every list page) ---------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_kwork_page_profile_and_catalogue_queries_equal_for_1_and_50_feedbacks(client):
    sub = SubcategoryFactory()
    one = kwork_of(category=sub)
    many = kwork_of(category=sub)
    _feedbacks(one, 1)
    orders = _feedbacks(many, 50)
    for order in orders[:10]:
        feedback = Feedback.objects.get(order=order)
        FeedbackResponse.objects.create(feedback=feedback, text="Thanks!", status="approved")
    for who in (None, person()):
        if who:
            client.force_login(who)
        # Each Kwork page once first: the view counter writes once per visitor and hour.
        client.get(one.get_absolute_url()), client.get(many.get_absolute_url())
        assert _count(client, one.get_absolute_url()) == _count(client, many.get_absolute_url())
        profile = lambda k: reverse("accounts:profile", args=[k.seller.username])  # noqa: E731
        assert _count(client, profile(one)) == _count(client, profile(many))
    catalogue = reverse("marketplace:category", args=[sub.slug])
    few = _count(client, catalogue)
    for _ in range(48):
        KworkFactory(category=sub)
    assert _count(client, catalogue) == few


# --- "Your level" (R7) and the buyer card (R11) ----------------------------------------------------------


def test_r7_your_level_only_for_the_logged_in_seller(client):
    url = reverse("ratings:my_level")
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    kwork = kwork_of()
    late = order_row(kwork=kwork, kind="late", feedback=False)
    order_row(kwork=kwork, kind="failed")
    _feedbacks(kwork, 2)
    login(client, kwork.seller)
    page = client.get(url)
    assert page.status_code == 200
    text = visible_text(page)
    assert "Your level: Newbie" in text and "Next: Advanced" in text
    assert "more completed orders" in text
    assert reverse("orders:detail", args=[late.pk]) in page.text  # the order that lowered the figures
    assert "negative feedback" in text
    assert not RULE_ID.search(text), RULE_ID.search(text)
    assert "¢" not in text and "cents" not in text


@pytest.mark.parametrize("who", ["moderator", "support", "buyer"])
def test_r7_your_level_is_always_the_viewers_own(client, who):
    kwork = kwork_of()
    order_row(kwork=kwork, kind="late", feedback=False)
    user = {"moderator": lambda: staff(MODERATORS), "support": lambda: staff(SUPPORT), "buyer": person}[who]()
    page = login(client, user).get(reverse("ratings:my_level"))
    assert page.status_code == 200
    assert kwork.title not in page.text  # another seller's orders never show


def test_r11_buyer_card_for_the_seller_only(client, done_order):
    login(client, done_order.seller)
    page = client.get(order_url(done_order))
    assert 'data-testid="buyer-card"' in page.text
    assert "Not enough ratings yet" in page.text
    login(client, done_order.buyer)
    assert 'data-testid="buyer-card"' not in client.get(order_url(done_order)).text


def test_r11_buyer_card_shows_the_average_once_there_are_enough(client):
    from ratings import rules

    buyer = person()
    orders = [completed(buyer=buyer) for _ in range(rules.BUYER_RATING_MIN_COUNT)]
    for order in orders:
        services.buyer_rating_leave(order=order, seller=order.seller, stars=4)
    services.buyer_stats_recompute(buyer_ids=[buyer.pk])
    page = login(client, orders[0].seller).get(order_url(orders[0]))
    assert "4.0 of 5" in page.text


def test_r11_a_mostly_selling_user_shows_the_buyer_level_only_to_their_sellers(client):
    from ratings.models import BuyerStats

    seller_of_theirs = person()
    user = person()
    order_row(buyer=user, kwork=kwork_of(seller_of_theirs))
    BuyerStats.objects.create(buyer=user, purchases=1, sales=30, level=1)
    url = reverse("accounts:profile", args=[user.username])
    assert 'data-testid="profile-buyer-level"' not in client.get(url).text
    login(client, person())
    assert 'data-testid="profile-buyer-level"' not in client.get(url).text
    login(client, seller_of_theirs)
    assert 'data-testid="profile-buyer-level"' in client.get(url).text
    BuyerStats.objects.filter(buyer=user).update(sales=0)
    client.logout()
    assert 'data-testid="profile-buyer-level"' in client.get(url).text


# --- C12: Kwork page views (conversion = orders ÷ views) ---------------------------------------------------


def test_c12_kwork_views_count_once_per_visitor_per_hour(client, time_machine):
    import time
    from datetime import UTC, datetime, timedelta

    from marketplace import rules as marketplace_rules

    kwork = kwork_of()
    # The start of a counting window (views count once per visitor per window of the clock).
    window = marketplace_rules.KWORK_VIEW_ONCE_SECONDS
    time_machine.move_to(datetime.fromtimestamp((int(time.time()) // window + 1) * window, tz=UTC))
    for _ in range(3):
        client.get(kwork.get_absolute_url())
    assert Kwork.objects.get(pk=kwork.pk).views_count == 1
    login(client, person())
    client.get(kwork.get_absolute_url())
    assert Kwork.objects.get(pk=kwork.pk).views_count == 2
    login(client, kwork.seller)  # the seller's own visits do not count
    client.get(kwork.get_absolute_url())
    assert Kwork.objects.get(pk=kwork.pk).views_count == 2
    client.logout()
    time_machine.shift(timedelta(seconds=marketplace_rules.KWORK_VIEW_ONCE_SECONDS + 1))
    client.get(kwork.get_absolute_url())
    assert Kwork.objects.get(pk=kwork.pk).views_count == 3


def test_c12_home_ranks_popular_kworks_by_responsibility_then_rating_then_conversion(client):
    low = KworkFactory(title="Low responsibility", seller_responsibility=60, rating=100, conversion=0.9)
    best = KworkFactory(title="Responsible and loved", seller_responsibility=100, rating=95, conversion=0.1)
    converts = KworkFactory(title="Responsible, converts", seller_responsibility=100, rating=90, conversion=0.5)
    plain = KworkFactory(title="Responsible, plain", seller_responsibility=100, rating=90, conversion=0.2)
    page = client.get(reverse("marketplace:home")).text
    positions = [page.index(k.title) for k in (best, converts, plain, low)]
    assert positions == sorted(positions)


@pytest.mark.parametrize("who", ["anonymous", "stranger", "moderator", "support", "buyer", "seller"])
def test_r1_r2_feedback_lists_are_public_and_carry_no_forms(client, who):
    order = completed()
    leave(order, text="Solid work, would order again.")
    kwork = order.kwork
    user = {
        "anonymous": lambda: None,
        "stranger": person,
        "moderator": lambda: staff(MODERATORS),
        "support": lambda: staff(SUPPORT),
        "buyer": lambda: order.buyer,
        "seller": lambda: order.seller,
    }[who]()
    if user is not None:
        login(client, user)
    for url in (kwork.get_absolute_url(), reverse("accounts:profile", args=[kwork.seller.username])):
        page = client.get(url)
        assert page.status_code == 200
        assert "Solid work, would order again." in page.text
        for form in ("feedback-form", "response-form", "buyer-rating-form"):
            assert f'data-testid="{form}"' not in page.text
        assert not RULE_ID.search(visible_text(page)), RULE_ID.search(visible_text(page))


def test_t4_ratings_writes_are_rate_limited(client, done_order, time_machine):
    from django.utils import timezone

    from ratings import rules

    time_machine.move_to(timezone.now(), tick=False)  # one fixed window, however slow the machine
    limit = int(rules.RATE_WRITE.split("/")[0])
    login(client, done_order.seller)
    for _ in range(limit):
        client.post(rating_url(done_order), {"stars": "9"})
    assert client.post(rating_url(done_order), {"stars": "5"}).status_code == 429
    assert not BuyerRating.objects.exists()


def test_a9_someone_who_never_sold_shows_no_seller_figures(client):
    buyer_only = person()
    url = reverse("accounts:profile", args=[buyer_only.username])
    assert 'data-testid="seller-summary"' not in client.get(url).text
    login(client, buyer_only)
    assert 'data-testid="seller-summary"' in client.get(url).text  # their own page explains the figures
