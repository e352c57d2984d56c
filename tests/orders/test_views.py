"""The order pages: placing (O1, O13), the order page and its actions (O2–O10, O14), the chat (M3, M5), the
manage-orders lists (constant queries), header links and dashboard cards. Every refusal shows the service's
message and changes nothing."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.models import CartItem
from orders import rules, services
from orders.models import CancellationRequest, Order, OrderMessage
from payments.models import EscrowHold
from tests.marketplace.factories import OptionFactory, png_bytes
from tests.orders.factories import delivered, fresh, person, place, started
from tests.support import fund, main_of, snapshot

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
T0 = timezone.datetime(2026, 3, 2, 10, 0, tzinfo=timezone.UTC)


def png(name="result.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def fake_png(name="virus.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"MZ\x90\x00 this is not an image", content_type="image/png")


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow(client, response):
    """Follow one redirect and return the page (with its flashed messages)."""
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"])


# --- placing (O1, O13) ----------------------------------------------------------------------------------


def test_o1_order_now_pays_from_the_balance_and_opens_the_order_page(client, buyer, kwork):
    option = OptionFactory(kwork=kwork, title="Source files", price_cents=500)
    fund(buyer, 2000)
    login(client, buyer)
    response = client.post(
        reverse("orders:place", args=[kwork.pk]), {"quantity": "1", "options": [str(option.pk)]}
    )
    order = Order.objects.get(buyer=buyer)
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert order.total_cents == 1500
    assert order.escrow_hold.status == EscrowHold.Status.HELD
    assert main_of(buyer) == 500
    page = client.get(response["Location"])
    content = page.content.decode()
    assert "Your order is placed and paid" in content
    assert "Source files" in content and "$15.00" in content
    assert "$15.00 held in escrow" in content


def test_o1_too_little_money_sends_the_buyer_to_add_exactly_the_missing_amount(client, buyer, kwork):
    option = OptionFactory(kwork=kwork, price_cents=500)
    fund(buyer, 300)
    login(client, buyer)
    before = snapshot()
    response = client.post(
        reverse("orders:place", args=[kwork.pk]), {"quantity": "2", "options": [str(option.pk)]}
    )
    assert snapshot() == before
    assert not Order.objects.exists()
    target = urlparse(response["Location"])
    assert target.path == reverse("payments:topup")
    query = parse_qs(target.query)
    assert query["amount_cents"] == ["2200"]  # 2 × $10 + $5 − $3 on the balance
    next_url = urlparse(query["next"][0])
    assert next_url.path == kwork.get_absolute_url()
    assert parse_qs(next_url.query) == {"quantity": ["2"], "options": [str(option.pk)]}
    # The "Add funds" page explains where the buyer goes back to, and is pre-filled with the missing amount.
    topup_page = client.get(response["Location"]).content.decode()
    assert "$22.00 is missing" in topup_page
    assert "22.00" in topup_page


def test_o1_after_the_top_up_the_kwork_page_keeps_the_choice_and_one_click_orders(client, buyer, kwork):
    option = OptionFactory(kwork=kwork, price_cents=500)
    fund(buyer, 300)
    login(client, buyer)
    response = client.post(reverse("orders:place", args=[kwork.pk]), {"quantity": "2", "options": [option.pk]})
    next_url = parse_qs(urlparse(response["Location"]).query)["next"][0]
    fund(buyer, 2200)  # the top-up arrives
    kwork_page = client.get(next_url).content.decode()
    assert f'name="options" value="{option.pk}" checked' in kwork_page
    assert 'name="quantity" min="1"' in kwork_page and 'value="2"' in kwork_page
    assert reverse("orders:place", args=[kwork.pk]) in kwork_page
    # The form on that page posts the same choice: one click places the order.
    response = client.post(reverse("orders:place", args=[kwork.pk]), {"quantity": "2", "options": [option.pk]})
    order = Order.objects.get(buyer=buyer)
    assert order.total_cents == 2500
    assert main_of(buyer) == 0


def test_o1_ordering_your_own_kwork_is_refused_with_the_message_and_nothing_changes(client, seller, kwork):
    fund(seller, 5000)
    login(client, seller)
    before = snapshot()
    response = client.post(reverse("orders:place", args=[kwork.pk]), {"quantity": "1"})
    assert snapshot() == before
    assert response["Location"].startswith(kwork.get_absolute_url())
    page = client.get(response["Location"])
    assert "You cannot order your own Kwork." in messages_of(page)


def test_o1_placing_needs_a_login_and_a_post(client, kwork):
    response = client.post(reverse("orders:place", args=[kwork.pk]), {"quantity": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Order.objects.exists()
    person_ = person()
    login(client, person_)
    assert client.get(reverse("orders:place", args=[kwork.pk])).status_code == 405


def test_o1_order_now_when_logged_out_logs_in_then_lands_on_the_kwork_page_with_the_choice_kept(
    client, buyer, kwork
):
    from tests.factories import PASSWORD

    option = OptionFactory(kwork=kwork, title="Source files", price_cents=500)
    fund(buyer, 5000)
    place_url = reverse("orders:place", args=[kwork.pk])
    response = client.post(place_url, {"quantity": "2", "options": [str(option.pk)]})
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.path == reverse("account_login")
    next_url = parse_qs(target.query)["next"][0]
    assert urlparse(next_url).path == reverse("marketplace:kwork", args=[kwork.pk])
    assert parse_qs(urlparse(next_url).query) == {"quantity": ["2"], "options": [str(option.pk)]}
    assert not Order.objects.exists()
    # Log in through the real form: it lands on the Kwork page (no 405) with the same choice ticked.
    page = client.post(
        f"{reverse('account_login')}?{target.query}",
        {"login": buyer.username, "password": PASSWORD},
        follow=True,
    )
    assert page.status_code == 200
    assert page.redirect_chain[-1][0] == next_url
    html = page.content.decode()
    assert 'name="quantity" min="1"' in html and 'value="2"' in html
    assert f'value="{option.pk}" checked' in html
    key = re.search(r'name="order_key" value="([0-9a-f]+)"', html).group(1)
    # One click orders it.
    response = client.post(place_url, {"quantity": "2", "options": [str(option.pk)], "order_key": key})
    order = Order.objects.get(buyer=buyer)
    assert response["Location"] == order.get_absolute_url()
    assert order.quantity == 2 and order.lines.filter(option_id=option.pk).exists()


def test_o1_order_now_reached_by_get_when_logged_out_also_goes_to_the_kwork_page_after_login(client, kwork):
    response = client.get(reverse("orders:place", args=[kwork.pk]) + "?quantity=3")
    next_url = parse_qs(urlparse(response["Location"]).query)["next"][0]
    assert next_url == reverse("marketplace:kwork", args=[kwork.pk]) + "?quantity=3"


def test_o1_double_click_of_order_now_posts_one_form_key_twice_and_makes_one_order(client, buyer, kwork):
    fund(buyer, 5000)
    login(client, buyer)
    html = client.get(reverse("marketplace:kwork", args=[kwork.pk])).content.decode()
    key = re.search(r'name="order_key" value="([0-9a-f]+)"', html).group(1)
    url = reverse("orders:place", args=[kwork.pk])
    first = client.post(url, {"quantity": "1", "order_key": key})
    second = client.post(url, {"quantity": "1", "order_key": key})
    order = Order.objects.get(buyer=buyer)
    assert first["Location"] == second["Location"] == order.get_absolute_url()
    assert main_of(buyer) == 4000
    # A freshly drawn page has a new key: a second order on purpose still works.
    html = client.get(reverse("marketplace:kwork", args=[kwork.pk])).content.decode()
    assert re.search(r'name="order_key" value="([0-9a-f]+)"', html).group(1) != key


@pytest.mark.parametrize(
    "name", ["start", "deliver", "accept", "revision", "cancel_quick", "cancel", "requirements", "message_send"]
)
def test_o3_o10_order_actions_when_logged_out_log_in_then_return_to_the_order_page_not_a_405(
    client, buyer, kwork, name
):
    order = place(buyer, kwork)
    for response in (
        client.post(reverse(f"orders:{name}", args=[order.pk])),
        client.get(reverse(f"orders:{name}", args=[order.pk])),
    ):
        target = urlparse(response["Location"])
        assert response.status_code == 302 and target.path == reverse("account_login")
        assert parse_qs(target.query)["next"] == [order.get_absolute_url()]
    assert fresh(order).status == Order.Status.NEW


def test_o9_o13_cancellation_answer_and_cart_checkout_when_logged_out_return_to_their_pages(client, buyer, kwork):
    order = place(buyer, kwork)
    url = reverse("orders:cancellation_answer", args=[order.pk, 1])
    assert parse_qs(urlparse(client.post(url)["Location"]).query)["next"] == [order.get_absolute_url()]
    response = client.post(reverse("orders:cart_checkout"))
    assert parse_qs(urlparse(response["Location"]).query)["next"] == [reverse("marketplace:cart")]


def test_o13_cart_checkout_makes_one_order_per_item(client, buyer, kwork):
    from tests.orders.factories import kwork_of

    other = kwork_of(price_cents=2000)
    CartItem.objects.create(user=buyer, kwork=kwork, quantity=1)
    CartItem.objects.create(user=buyer, kwork=other, quantity=1)
    fund(buyer, 3000)
    login(client, buyer)
    response = client.post(reverse("orders:cart_checkout"))
    assert response["Location"] == reverse("orders:buyer_list")
    assert Order.objects.filter(buyer=buyer).count() == 2
    assert not CartItem.objects.filter(user=buyer).exists()
    page = client.get(response["Location"])
    assert "2 orders are placed and paid" in page.content.decode()


def test_o13_cart_checkout_short_of_money_asks_for_the_whole_missing_sum(client, buyer, kwork):
    from tests.orders.factories import kwork_of

    CartItem.objects.create(user=buyer, kwork=kwork, quantity=1)
    CartItem.objects.create(user=buyer, kwork=kwork_of(price_cents=2000), quantity=1)
    fund(buyer, 500)
    login(client, buyer)
    before = snapshot()
    response = client.post(reverse("orders:cart_checkout"))
    assert snapshot() == before
    assert CartItem.objects.filter(user=buyer).count() == 2
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["amount_cents"] == ["2500"]
    assert query["next"] == [reverse("marketplace:cart")]


def test_o13_empty_cart_checkout_shows_the_message(client, buyer):
    login(client, buyer)
    response = client.post(reverse("orders:cart_checkout"))
    assert response["Location"] == reverse("marketplace:cart")
    assert "Your cart is empty." in messages_of(client.get(response["Location"]))


# --- the order page -----------------------------------------------------------------------------------------


def test_order_page_renders_for_buyer_and_seller_and_is_a_404_for_anyone_else(client, buyer, kwork, seller):
    order = place(buyer, kwork)
    url = reverse("orders:detail", args=[order.pk])
    for who, expected in ((buyer, "Send your requirements"), (seller, "Start working")):
        login(client, who)
        response = client.get(url)
        assert response.status_code == 200
        assert expected in response.content.decode()
    login(client, person())
    assert client.get(url).status_code == 404
    assert client.post(reverse("orders:start", args=[order.pk])).status_code == 404
    assert client.post(reverse("orders:message_send", args=[order.pk]), {"text": "hi"}).status_code == 404
    assert fresh(order).status == Order.Status.NEW
    client.logout()
    assert "/accounts/login/" in client.get(url)["Location"]


def test_o3_o4_seller_starts_and_the_page_shows_the_due_time_and_history(client, buyer, kwork, seller):
    with time_machine.travel(T0, tick=False):
        order = place(buyer, kwork)
    login(client, seller)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        response = client.post(reverse("orders:start", args=[order.pk]))
        page = follow(client, response).content.decode()
    order = fresh(order)
    assert order.status == Order.Status.IN_PROGRESS
    assert order.due_at == T0 + timedelta(hours=1, days=4)
    assert "Work started. The order is due 6 Mar 2026, 11:00 UTC." in page
    assert "Deliver the work" in page
    assert 'datetime="2026-03-06T11:00:00+00:00"' in page  # the countdown of the due time
    assert "Order placed and paid" in page and "New (waiting for the seller) → In progress" in page


def test_o3_the_buyer_cannot_start_the_order_message_shown_nothing_changed(client, buyer, kwork):
    order = place(buyer, kwork)
    login(client, buyer)
    before = snapshot(order)
    page = follow(client, client.post(reverse("orders:start", args=[order.pk])))
    assert snapshot(order) == before
    assert "Only the seller can start work on this order." in messages_of(page)


def test_o3_the_start_button_is_gone_after_24_hours_and_the_post_is_refused(client, buyer, kwork, seller):
    with time_machine.travel(T0, tick=False):
        order = place(buyer, kwork)
    login(client, seller)
    with time_machine.travel(T0 + timedelta(hours=25), tick=False):
        assert 'data-testid="start"' not in client.get(reverse("orders:detail", args=[order.pk])).content.decode()
        before = snapshot(order)
        page = follow(client, client.post(reverse("orders:start", args=[order.pk])))
    assert snapshot(order) == before
    assert any("24 hours to start this order have passed" in m for m in messages_of(page))


def test_requirements_form_sends_text_and_files_and_then_shows_them(client, buyer, kwork, seller):
    kwork.instructions = "Send me your brand name and colours."
    kwork.save()
    order = place(buyer, kwork)
    login(client, buyer)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Send me your brand name and colours." in page and 'data-testid="requirements-form"' in page
    response = client.post(
        reverse("orders:requirements", args=[order.pk]), {"text": "Brand: Acme, teal and white.", "files": [png()]}
    )
    page = follow(client, response).content.decode()
    order = fresh(order)
    assert order.requirements == "Brand: Acme, teal and white."
    assert "Your requirements were sent to the seller." in page
    assert 'data-testid="requirements-form"' not in page
    message = OrderMessage.objects.get(order=order)
    assert message.attachments.get().name == "result.png"
    assert "result.png" in page


def test_requirements_refusals_show_next_to_the_field_keep_the_input_and_change_nothing(client, buyer, kwork):
    order = place(buyer, kwork)
    login(client, buyer)
    before = snapshot(order)
    response = client.post(reverse("orders:requirements", args=[order.pk]), {"text": ""})
    assert response.status_code == 400
    assert response.context["requirements_form"].errors["text"] == ["This field is required."]
    # M3: no contact details before the order is in progress; the text stays in the form.
    response = client.post(
        reverse("orders:requirements", args=[order.pk]), {"text": "Write me at bob@example.com please"}
    )
    assert response.status_code == 400
    errors = response.context["requirements_form"].errors["text"]
    assert "contains contact details" in errors[0]
    assert "Write me at bob@example.com please" in response.content.decode()
    # M5/C6: a file that is not what its name says.
    response = client.post(reverse("orders:requirements", args=[order.pk]), {"text": "ok", "files": [fake_png()]})
    assert response.status_code == 400
    assert "content does not match its name" in response.context["requirements_form"].errors["files"][0]
    assert snapshot(order) == before


def test_o6_seller_delivers_with_a_file_and_the_buyer_sees_review_until(client, buyer, kwork, seller):
    with time_machine.travel(T0, tick=False):
        order = started(buyer=buyer, kwork=kwork)
    login(client, seller)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        response = client.post(
            reverse("orders:deliver", args=[order.pk]), {"message": "Logo attached.", "files": [png("logo.png")]}
        )
        assert "Delivered. The buyer has 3 days" in follow(client, response).content.decode()
        login(client, buyer)
        page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert fresh(order).status == Order.Status.DELIVERED
    assert "Logo attached." in page and "logo.png" in page
    assert "Check the delivered work." in page and "6 Mar 2026, 10:00 UTC" in page
    assert 'data-testid="accept"' in page and 'data-testid="request-revision"' in page


def test_o6_delivering_without_a_message_is_refused_next_to_the_field(client, buyer, kwork, seller):
    order = started(buyer=buyer, kwork=kwork)
    login(client, seller)
    before = snapshot(order)
    response = client.post(reverse("orders:deliver", args=[order.pk]), {"message": "", "files": [png()]})
    assert response.status_code == 400
    assert response.context["delivery_form"].errors["message"] == ["This field is required."]
    assert snapshot(order) == before


def test_o6_the_seller_cannot_accept_their_own_delivery(client, buyer, kwork, seller):
    order = delivered(buyer=buyer, kwork=kwork)
    login(client, seller)
    before = snapshot(order)
    page = follow(client, client.post(reverse("orders:accept", args=[order.pk])))
    assert snapshot(order) == before
    assert "Only the buyer can accept the work." in messages_of(page)


def test_o6_accepting_completes_and_pays_the_seller_80_percent(client, buyer, kwork, seller):
    order = delivered(buyer=buyer, kwork=kwork)
    login(client, buyer)
    accept = client.post(reverse("orders:accept", args=[order.pk]), {"portfolio_consent": "no"})  # C14's choice
    page = follow(client, accept).content.decode()
    assert fresh(order).status == Order.Status.COMPLETED
    assert main_of(seller) == 800
    assert "The order is completed and the seller has been paid." in page
    assert "Paid to the seller" in page


def test_o7_revision_needs_a_reason_then_sends_the_order_back_to_work(client, buyer, kwork, seller):
    order = delivered(buyer=buyer, kwork=kwork)
    login(client, buyer)
    before = snapshot(order)
    response = client.post(reverse("orders:revision", args=[order.pk]), {"reason": ""})
    assert response.status_code == 400
    assert response.context["revision_form"].errors["reason"] == ["This field is required."]
    assert snapshot(order) == before
    response = client.post(reverse("orders:revision", args=[order.pk]), {"reason": "Make the logo bigger."})
    page = follow(client, response).content.decode()
    assert fresh(order).status == Order.Status.IN_PROGRESS
    assert "The order went back to the seller for a revision." in page
    assert "Revision requested" in page and "Make the logo bigger." in page


# --- cancellations (O2, O5, O9, O10) ---------------------------------------------------------------------


def test_o2_quick_cancel_within_20_minutes_refunds_at_once(client, buyer, kwork):
    with time_machine.travel(T0, tick=False):
        order = place(buyer, kwork)
    login(client, buyer)
    with time_machine.travel(T0 + timedelta(minutes=19), tick=False):
        page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
        assert 'data-testid="quick-cancel"' in page
        page = follow(client, client.post(reverse("orders:cancel_quick", args=[order.pk]))).content.decode()
    order = fresh(order)
    assert order.status == Order.Status.CANCELLED and not order.counts_against_seller
    assert main_of(buyer) == 1000
    assert "The order is cancelled and the money is back on your balance." in page
    assert "Refunded to the buyer" in page


def test_o2_quick_cancel_after_20_minutes_is_refused_and_the_button_is_gone(client, buyer, kwork):
    with time_machine.travel(T0, tick=False):
        order = place(buyer, kwork)
    login(client, buyer)
    with time_machine.travel(T0 + timedelta(minutes=21), tick=False):
        assert (
            'data-testid="quick-cancel"'
            not in client.get(reverse("orders:detail", args=[order.pk])).content.decode()
        )
        before = snapshot(order)
        page = follow(client, client.post(reverse("orders:cancel_quick", args=[order.pk])))
    assert snapshot(order) == before
    assert any("The 20 minutes for cancelling on your own have passed" in m for m in messages_of(page))


def test_o5_overdue_order_offers_the_buyer_an_immediate_cancellation(client, buyer, kwork, seller):
    with time_machine.travel(T0, tick=False):
        order = started(buyer=buyer, kwork=kwork)
    login(client, buyer)
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
        assert "The order is overdue." in page and 'data-testid="cancel-overdue"' in page
        response = client.post(reverse("orders:cancel", args=[order.pk]), {"reason": "buyer_late"})
        page = follow(client, response).content.decode()
    order = fresh(order)
    assert order.status == Order.Status.CANCELLED
    assert order.counts_against_seller
    assert main_of(buyer) == 1000
    assert "The order was not done on time" in page


def test_o5_cancelling_for_lateness_before_the_due_time_is_refused(client, buyer, kwork):
    order = started(buyer=buyer, kwork=kwork)
    login(client, buyer)
    before = snapshot(order)
    response = client.post(reverse("orders:cancel", args=[order.pk]), {"reason": "buyer_late"})
    assert response.status_code == 400
    assert snapshot(order) == before
    errors = response.context["cancel_form"].errors["reason"]
    assert "Select a valid choice." in errors[0]  # not offered: the order is not overdue


def test_o9_buyer_reason_needing_the_seller_creates_a_request_the_seller_accepts(client, buyer, kwork, seller):
    order = started(buyer=buyer, kwork=kwork)
    login(client, buyer)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Misunderstanding with the seller" in page and "The seller confirms" in page
    response = client.post(
        reverse("orders:cancel", args=[order.pk]), {"reason": "buyer_misunderstanding", "comment": "Wrong style."}
    )
    page = follow(client, response).content.decode()
    assert "Your cancellation request was sent. The seller has 2 days to answer" in page
    assert fresh(order).status == Order.Status.IN_PROGRESS
    cancellation = CancellationRequest.objects.get(order=order)
    assert 'data-testid="withdraw-request"' in page
    login(client, seller)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Cancellation requested" in page and "Wrong style." in page and 'data-testid="accept-request"' in page
    response = client.post(
        reverse("orders:cancellation_answer", args=[order.pk, cancellation.pk]), {"answer": "accept"}
    )
    page = follow(client, response).content.decode()
    order = fresh(order)
    assert order.status == Order.Status.CANCELLED and not order.counts_against_seller
    assert main_of(buyer) == 1000
    assert "You agreed: the order is cancelled" in page


def test_o9_the_seller_declines_and_the_requester_cannot_answer_their_own(client, buyer, kwork, seller):
    order = started(buyer=buyer, kwork=kwork)
    cancellation = services.cancellation_request_create(order=order, user=buyer, reason="buyer_seller_busy")
    url = reverse("orders:cancellation_answer", args=[order.pk, cancellation.pk])
    login(client, buyer)
    before = snapshot(order)
    page = follow(client, client.post(url, {"answer": "accept"}))
    assert "You cannot answer your own cancellation request." in messages_of(page)
    assert snapshot(order) == before
    login(client, seller)
    page = follow(client, client.post(url, {"answer": "decline"})).content.decode()
    assert "You declined the cancellation; the order goes on." in page
    assert fresh(order).status == Order.Status.IN_PROGRESS
    assert CancellationRequest.objects.get().status == CancellationRequest.Status.DECLINED


def test_o9_the_requester_withdraws_the_request(client, buyer, kwork):
    order = started(buyer=buyer, kwork=kwork)
    cancellation = services.cancellation_request_create(order=order, user=buyer, reason="buyer_other")
    login(client, buyer)
    response = client.post(
        reverse("orders:cancellation_answer", args=[order.pk, cancellation.pk]), {"answer": "withdraw"}
    )
    assert "Your cancellation request was withdrawn" in follow(client, response).content.decode()
    assert CancellationRequest.objects.get().status == CancellationRequest.Status.WITHDRAWN
    assert fresh(order).status == Order.Status.IN_PROGRESS


def test_o10_seller_immediate_reason_cancels_at_once_against_the_seller(client, buyer, kwork, seller):
    order = started(buyer=buyer, kwork=kwork)
    login(client, seller)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "No time / busy" in page
    assert "The buyer did not provide the required information" not in page  # only before work starts
    response = client.post(reverse("orders:cancel", args=[order.pk]), {"reason": "seller_busy"})
    page = follow(client, response).content.decode()
    order = fresh(order)
    assert order.status == Order.Status.CANCELLED and order.counts_against_seller
    assert main_of(buyer) == 1000
    assert "The order is cancelled." in page


def test_o10_seller_reason_from_the_buyers_side_is_not_accepted(client, buyer, kwork):
    order = place(buyer, kwork)
    login(client, buyer)
    before = snapshot(order)
    response = client.post(reverse("orders:cancel", args=[order.pk]), {"reason": "seller_busy"})
    assert response.status_code == 400
    assert snapshot(order) == before
    assert "Select a valid choice." in response.context["cancel_form"].errors["reason"][0]


# --- the chat (M3, M5) ---------------------------------------------------------------------------------------


def test_m1_chat_message_is_sent_with_htmx_and_the_chat_comes_back(client, buyer, kwork, seller):
    order = place(buyer, kwork)
    login(client, buyer)
    response = client.post(
        reverse("orders:message_send", args=[order.pk]), {"text": "Hello, a question.", "files": [png()]}, **HTMX
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.strip().startswith('<section class="card chat" id="chat"')
    assert "Hello, a question." in content and "result.png" in content
    assert OrderMessage.objects.get(order=order).author == buyer
    login(client, seller)
    refresh = client.get(reverse("orders:messages", args=[order.pk]), {"after": 0}, **HTMX)
    assert 'hx-swap-oob="beforeend:#chat-messages"' in refresh.content.decode()
    assert "Hello, a question." in refresh.content.decode()
    assert 'hx-trigger="every 15s"' in refresh.content.decode()
    assert client.get(reverse("orders:messages", args=[order.pk]))["Location"].endswith("#chat")


def test_o14_the_chat_refresh_reloads_the_page_when_the_order_changed(client, buyer, kwork, seller):
    order = place(buyer, kwork)
    login(client, buyer)
    page = client.get(reverse("orders:detail", args=[order.pk]))
    version = page.context["page_version"]
    url = reverse("orders:messages", args=[order.pk])
    assert f"{url}?after=0&amp;v={version}" in page.content.decode()
    quiet = client.get(url, {"after": 0, "v": version}, **HTMX)
    assert quiet.status_code == 204 and "HX-Refresh" not in quiet
    services.order_start(order=order, seller=seller)  # the other side acts
    changed = client.get(url, {"after": 0, "v": version}, **HTMX)
    assert changed["HX-Refresh"] == "true"


def test_m3_contact_details_in_a_new_orders_chat_are_refused_and_the_text_kept(client, buyer, kwork):
    order = place(buyer, kwork)
    login(client, buyer)
    before = snapshot(order)
    response = client.post(
        reverse("orders:message_send", args=[order.pk]), {"text": "call me +1 415 555 0199"}, **HTMX
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "contains contact details" in content
    assert "call me +1 415 555 0199" in content  # kept in the textarea
    assert not OrderMessage.objects.exists()
    assert snapshot(order) == before


def test_m3_contact_details_are_allowed_while_the_order_is_in_progress(client, buyer, kwork):
    order = started(buyer=buyer, kwork=kwork)
    login(client, buyer)
    response = client.post(reverse("orders:message_send", args=[order.pk]), {"text": "Mail me: bob@example.com"})
    assert response["Location"].endswith("#chat")
    assert OrderMessage.objects.get().text == "Mail me: bob@example.com"


def test_m5_a_chat_file_that_is_not_what_it_says_is_refused_without_js(client, buyer, kwork):
    order = place(buyer, kwork)
    login(client, buyer)
    response = client.post(reverse("orders:message_send", args=[order.pk]), {"text": "see", "files": [fake_png()]})
    assert response.status_code == 400
    assert "content does not match its name" in response.context["message_form"].errors["files"][0]
    assert not OrderMessage.objects.exists()


def test_m1_an_empty_message_is_refused_next_to_the_field(client, buyer, kwork):
    order = place(buyer, kwork)
    login(client, buyer)
    response = client.post(reverse("orders:message_send", args=[order.pk]), {"text": "  "}, **HTMX)
    assert "Write a message or attach a file." in response.content.decode()
    assert not OrderMessage.objects.exists()


# --- manage orders, header links, dashboard cards ------------------------------------------------------------


def test_manage_orders_lists_only_my_orders_with_tabs_counts_and_deadlines(client, buyer, kwork, seller):
    with time_machine.travel(T0, tick=False):
        new = place(buyer, kwork)
        going = started(buyer=buyer, kwork=kwork)
        place(kwork=kwork)  # someone else's order of the same Kwork
    login(client, buyer)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        page = client.get(reverse("orders:buyer_list"))
    content = page.content.decode()
    rows = page.context["rows"]
    assert [row.order.pk for row in rows] == [going.pk, new.pk]
    assert {tab["key"]: tab["count"] for tab in page.context["tabs"]}["active"] == 2
    assert "Send requirements" in content  # the hint of what needs the buyer's action
    assert "23h 0m left" in content  # the new order: the seller starts by T0 + 24 h
    assert page.context["action"]["total"] == 1  # the new order waits for the requirements
    login(client, seller)
    page = client.get(reverse("orders:seller_list") + "?state=new")
    assert [row.order.pk for row in page.context["rows"]] == sorted(
        Order.objects.filter(seller=seller, status="new").values_list("pk", flat=True), reverse=True
    )
    assert "Start working" in page.content.decode()
    assert client.get(reverse("orders:seller_list") + "?state=bogus").context["state"] == "active"


def _queries(client, url):
    client.get(url)  # warm: the first request after a login records last_seen and the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_manage_orders_pages_make_the_same_number_of_queries_for_1_and_50_orders(client, buyer, kwork, seller):
    option = OptionFactory(kwork=kwork, price_cents=500)
    first = place(buyer, kwork, option_ids=[option.pk])
    services.cancellation_request_create(order=first, user=buyer, reason="buyer_other")
    login(client, buyer)
    buyer_one = _queries(client, reverse("orders:buyer_list") + "?state=all")
    login(client, seller)
    seller_one = _queries(client, reverse("orders:seller_list") + "?state=all")
    for index in range(49):
        order = place(buyer, kwork, option_ids=[option.pk])
        if index % 3 == 0:
            services.cancellation_request_create(order=order, user=buyer, reason="buyer_other")
    # The page size is 25: 50 orders fill two pages; the first one is the heaviest.
    seller_fifty = _queries(client, reverse("orders:seller_list") + "?state=all")
    login(client, buyer)
    buyer_fifty = _queries(client, reverse("orders:buyer_list") + "?state=all")
    assert (buyer_one, seller_one) == (buyer_fifty, seller_fifty)


def test_order_page_makes_the_same_number_of_queries_for_1_and_50_messages_and_events(client, buyer, kwork):
    order = started(buyer=buyer, kwork=kwork)
    services.order_message_send(order=order, author=buyer, text="first", files=[png()])
    login(client, buyer)
    url = reverse("orders:detail", args=[order.pk])
    one = _queries(client, url)
    for index in range(49):
        services.order_message_send(order=order, author=buyer, text=f"message {index}", files=[png()])
        request = services.cancellation_request_create(order=order, user=buyer, reason="buyer_other")
        services.cancellation_request_withdraw(request=request, user=buyer)
    assert order.events.count() > 50
    assert _queries(client, url) == one
    chat = reverse("orders:messages", args=[order.pk])
    with CaptureQueriesContext(connection) as ctx:
        client.get(chat, **HTMX)
    assert len(ctx.captured_queries) <= one


def test_header_links_follow_the_mode_and_count_the_sellers_orders_to_do(client, buyer, kwork, seller):
    place(buyer, kwork)
    place(kwork=kwork)
    seller.mode = "seller"
    seller.save()
    login(client, seller)
    content = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'data-testid="nav-orders-to-do"' in content
    assert (
        f'{reverse("orders:seller_list")}" class="nav-link" data-testid="nav-orders-to-do">Orders to do <span class="pill pill-warn">2</span>'
        in content
    )
    assert 'data-testid="orders-card-seller"' in content
    login(client, buyer)
    content = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'data-testid="nav-orders"' in content and 'data-testid="nav-orders-to-do"' not in content
    assert 'data-testid="orders-card-buyer"' in content


def test_orders_index_goes_to_the_list_of_the_current_mode(client, seller):
    login(client, seller)
    assert client.get(reverse("orders:index"))["Location"] == reverse("orders:buyer_list")
    seller.mode = "seller"
    seller.save()
    assert client.get(reverse("orders:index"))["Location"] == reverse("orders:seller_list")


@pytest.mark.parametrize(
    "name", ["start", "deliver", "accept", "revision", "cancel_quick", "cancel", "requirements"]
)
def test_order_actions_are_post_only(client, buyer, kwork, name):
    order = place(buyer, kwork)
    login(client, buyer)
    assert client.get(reverse(f"orders:{name}", args=[order.pk])).status_code == 405


def test_o14_every_change_appears_in_the_timeline_with_who_and_from_to(client, buyer, kwork, seller):
    order = delivered(buyer=buyer, kwork=kwork)
    services.order_request_revision(order=order, buyer=buyer, reason="Bigger, please.")
    login(client, buyer)
    page = client.get(reverse("orders:detail", args=[order.pk]))
    timeline = page.content.decode().split('data-testid="timeline"')[1]
    for text in (
        "Order placed and paid",
        "Work started",
        "Work delivered",
        "Revision requested",
        "Delivered (waiting for review) → In progress",
        "Bigger, please.",
        "you",
        f"{seller.public_name} (seller)",
    ):
        assert text in timeline, text
    assert rules.REVIEW_DAYS == 3


def test_t4_chat_messages_over_the_rate_limit_get_a_clear_429(client, buyer, kwork):

    limit = int(rules.RATE_MESSAGE.split("/")[0])
    order = started(buyer=buyer, kwork=kwork)
    login(client, buyer)
    url = reverse("orders:message_send", args=[order.pk])
    with time_machine.travel(T0, tick=False):  # one rate window
        assert {client.post(url, {"text": f"message {n}"}).status_code for n in range(limit)} == {302}
        response = client.post(url, {"text": "one too many"})
    assert response.status_code == 429
    assert "Slow down a little" in response.content.decode()
    assert OrderMessage.objects.filter(order=order).count() == limit


def test_o3_o10_order_page_says_the_time_to_start_is_paused_while_a_request_waits(client, buyer, kwork):
    order = place(buyer, kwork)
    login(client, kwork.seller)
    assert "is paused" not in client.get(order.get_absolute_url()).content.decode()
    services.cancellation_request_create(order=order, user=kwork.seller, reason="seller_no_info")
    page = client.get(order.get_absolute_url()).content.decode()
    assert "The time to start work is paused until it is answered" in page
