"""Q1–Q4 pages: every page against every role (the buyer who owns the request, a seller answering it, a
stranger, a moderator, support, someone logged out), the forms end to end, and query counts equal for 1 and 50
requests and offers."""

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import SUPPORT
from buyer_requests import services
from buyer_requests.models import BuyerRequest, RequestFile, RequestOffer
from marketplace import hooks
from orders.models import Order
from payments.services import topup_url
from tests.buyer_requests.conftest import active_request, post_request
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import KworkFactory, png_bytes
from tests.support import fund

ROLES = ["owner", "seller", "stranger", "moderator", "support", "anonymous"]


@pytest.fixture
def people(buyer, seller, moderator, kwork):
    support = verified(UserFactory(username="sup"))
    in_group(support, SUPPORT)
    return {
        "owner": buyer,
        "seller": seller,
        "stranger": verified(UserFactory(username="stranger")),
        "moderator": moderator,
        "support": support,
        "anonymous": None,
    }


def login(client, people, role):
    if people[role] is not None:
        client.force_login(people[role])
    return people[role]


def with_file(request):
    upload = SimpleUploadedFile("brief.png", png_bytes(), content_type="image/png")
    return RequestFile.objects.create(request=request, file=upload, name="brief.png", size=upload.size)


@pytest.mark.parametrize("role", ROLES)
def test_q1_q2_list_pages_for_every_role(client, people, role, logos, moderator):
    active_request(people["owner"], logos, moderator)
    login(client, people, role)
    for name in ("browse", "mine", "new", "subscriptions"):
        response = client.get(reverse(f"buyer_requests:{name}"))
        if role == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"], name
        else:
            assert response.status_code == 200, name


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", ["pending", "active", "rejected", "expired"])
def test_q1_the_request_page_and_its_files_for_every_role(client, people, role, state, logos, moderator):
    request = post_request(people["owner"], logos)
    if state == "active":
        services.request_activate(request=request, moderator=moderator)
    elif state == "rejected":
        services.request_reject(request=request, moderator=moderator, reason="Too vague.")
    elif state == "expired":
        services.request_activate(request=request, moderator=moderator)
        services.requests_expire(now=BuyerRequest.objects.get().active_until)
    row = with_file(request)
    login(client, people, role)
    page = client.get(reverse("buyer_requests:detail", args=[request.pk]))
    download = client.get(row.file.url)
    if role == "anonymous":
        assert page.status_code == 302 and download.status_code == 302
        return
    visible = role in ("owner", "moderator") or state in ("active", "expired")
    assert page.status_code == (200 if visible else 404)
    assert download.status_code == (200 if visible else 404)
    if visible:
        assert b"".join(download.streaming_content) == row.file.open("rb").read()
    if role == "owner" and state == "rejected":
        assert "Too vague." in page.content.decode()


def test_q1_a_file_name_of_another_request_is_a_404(client, people, logos, moderator):
    mine = with_file(post_request(people["owner"], logos))
    other = post_request(people["stranger"], logos)
    client.force_login(people["owner"])
    forged = mine.file.name.replace(f"requests/{mine.request_id}/", f"requests/{other.pk}/")
    assert client.get(reverse("buyer_requests:file", kwargs={"name": forged})).status_code == 404


@pytest.mark.parametrize("role", ["seller", "stranger", "moderator", "support"])
def test_q1_q4_only_the_owner_closes_and_orders(client, people, role, logos, moderator, kwork):
    request = active_request(people["owner"], logos, moderator)
    offer = services.request_offer_create(request=request, seller=people["seller"], message="Mine.", kwork=kwork)
    fund(people[role], 10_000)
    login(client, people, role)
    client.post(reverse("buyer_requests:close", args=[request.pk]))
    assert BuyerRequest.objects.get().status == BuyerRequest.Status.ACTIVE
    response = client.post(reverse("buyer_requests:order_offer", args=[offer.pk]))
    assert response.status_code == 404
    assert not Order.objects.exists()


def test_q1_posting_through_the_form_with_a_file(client, buyer, logos):
    client.force_login(buyer)
    response = client.post(
        reverse("buyer_requests:new"),
        {
            "title": "A logo for my bakery",
            "description": "A warm, hand-drawn logo for a small family bakery.",
            "subcategory": logos.pk,
            "budget": "50.00",
            "files": [SimpleUploadedFile("brief.png", png_bytes(), content_type="image/png")],
        },
    )
    request = BuyerRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert request.budget_cents == 5000 and request.files.count() == 1


def test_a4_the_form_of_an_unconfirmed_buyer_says_what_to_do_and_keeps_the_input(client, buyer, logos):
    EmailAddress.objects.filter(user=buyer).update(verified=False)
    client.force_login(buyer)
    assert 'data-testid="email-needed"' in client.get(reverse("buyer_requests:new")).content.decode()
    response = client.post(
        reverse("buyer_requests:new"),
        {"title": "Kept title", "description": "Kept text.", "subcategory": logos.pk, "budget": "50"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Please confirm your e-mail address before you post a request." in html
    assert "Kept title" in html
    assert not BuyerRequest.objects.exists()


def test_q3_offer_form_kwork_and_refusal_messages_on_the_page(client, buyer, logos, moderator, seller, kwork):
    request = active_request(buyer, logos, moderator)
    client.force_login(seller)
    page = client.get(request.get_absolute_url()).content.decode()
    assert 'data-testid="offer-form"' in page and "Individual offers open up at the Advanced level." in page
    response = client.post(
        reverse("buyer_requests:offer", args=[request.pk]), {"kind": "kwork", "message": "Hi!", "kwork": kwork.pk}
    )
    assert response.status_code == 302
    again = client.post(
        reverse("buyer_requests:offer", args=[request.pk]),
        {"kind": "kwork", "message": "Again", "kwork": kwork.pk},
    )
    assert again.status_code == 302
    assert services.SECOND_OFFER_REFUSAL in client.get(again["Location"]).content.decode()
    assert RequestOffer.objects.count() == 1


def test_q3_newbie_asking_for_an_individual_offer_through_the_page_is_refused(
    client, buyer, logos, moderator, seller, kwork, levels
):
    request = active_request(buyer, logos, moderator)
    client.force_login(seller)
    response = client.post(
        reverse("buyer_requests:offer", args=[request.pk]), {"kind": "individual", "message": "Custom!"}
    )
    assert response.status_code == 302
    assert escape(services.NEWBIE_INDIVIDUAL_REFUSAL) in client.get(response["Location"]).content.decode()
    assert not RequestOffer.objects.exists()


def test_q3_advanced_seller_sends_an_individual_offer_through_the_page(
    client, buyer, logos, moderator, seller, kwork, levels
):
    levels[seller.pk] = hooks.ADVANCED
    request = active_request(buyer, logos, moderator)
    client.force_login(seller)
    assert 'data-testid="individual-fields"' in client.get(request.get_absolute_url()).content.decode()
    response = client.post(
        reverse("buyer_requests:offer", args=[request.pk]),
        {
            "kind": "individual",
            "message": "A custom offer for you.",
            "custom-kwork": kwork.pk,
            "custom-title": "Three logo concepts",
            "custom-description": "Three concepts, two rounds of changes and all the source files.",
            "custom-price": "40.00",
            "custom-lead_time_days": "5",
            "custom-expires_in_days": "3",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    offer = RequestOffer.objects.get()
    assert offer.individual_offer.price_cents == 4000


def test_q4_ordering_with_too_little_money_goes_to_add_the_missing_amount(
    client, buyer, logos, moderator, seller, kwork
):
    request = active_request(buyer, logos, moderator)
    offer = services.request_offer_create(request=request, seller=seller, message="Mine.", kwork=kwork)
    client.force_login(buyer)
    fund(buyer, 500)
    response = client.post(reverse("buyer_requests:order_offer", args=[offer.pk]))
    assert response["Location"] == topup_url(amount_cents=2000, next_url=request.get_absolute_url())
    assert not Order.objects.exists()
    fund(buyer, 2000)
    response = client.post(reverse("buyer_requests:order_offer", args=[offer.pk]))
    order = Order.objects.get()
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    page = client.get(request.get_absolute_url()).content.decode()
    assert f"Ordered: order #{order.pk}" in page


def test_q2_the_alerts_page_saves_the_choice(client, seller, design, writing):
    client.force_login(seller)
    client.post(reverse("buyer_requests:subscriptions"), {"categories": [design.pk, writing.pk]})
    assert set(seller.request_subscriptions.values_list("category", flat=True)) == {design.pk, writing.pk}


def test_q2_browse_filters_by_category_and_budget(client, buyer, logos, writing, moderator, seller):
    active_request(buyer, logos, moderator, title="Logo wanted", budget_cents=3000)
    active_request(buyer, writing, moderator, title="Article wanted", budget_cents=9000)
    client.force_login(seller)
    url = reverse("buyer_requests:browse")
    assert "Logo wanted" in client.get(url, {"category": "design"}).content.decode()
    assert "Article wanted" not in client.get(url, {"category": "design"}).content.decode()
    html = client.get(url, {"budget_min": "50"}).content.decode()
    assert "Article wanted" in html and "Logo wanted" not in html
    html = client.get(url, {"budget_max": "junk"}).content.decode()  # a mistyped filter is ignored
    assert "Article wanted" in html and "Logo wanted" in html
    partial = client.get(url, {"category": "logos"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "Logo wanted" in partial


# --- query counts: the same for 1 and 50 ---------------------------------------------------------------


def _count(client, url):
    client.get(url)  # the first visit of a session writes what later ones only read (last seen, …)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _requests(owners, subcategory, moderator, n):
    for i in range(n):
        active_request(owners[i % len(owners)], subcategory, moderator, title=f"Request {i}")


def test_q2_browse_and_my_requests_queries_equal_for_1_and_50(client, buyer, logos, moderator, seller, kwork):
    client.force_login(seller)
    owners = [buyer] + [verified(UserFactory()) for _ in range(9)]
    _requests(owners, logos, moderator, 1)
    services.request_offer_create(request=BuyerRequest.objects.get(), seller=seller, message="Hi.", kwork=kwork)
    browse_one = _count(client, reverse("buyer_requests:browse"))
    client.force_login(buyer)
    mine_one = _count(client, reverse("buyer_requests:mine"))
    # 50 requests (more than a page: the pages show PAGE_SIZE at a time and count the rest in one query)
    for owner in owners:
        BuyerRequest.objects.filter(buyer=owner).update(status=BuyerRequest.Status.CLOSED)
    _requests(owners, logos, moderator, 50)
    client.force_login(seller)
    assert _count(client, reverse("buyer_requests:browse")) == browse_one
    client.force_login(buyer)
    assert _count(client, reverse("buyer_requests:mine")) == mine_one


def test_q4_the_request_page_queries_equal_for_1_and_50_offers(client, buyer, logos, moderator, banners):
    request = active_request(buyer, logos, moderator)
    sellers = [verified(UserFactory()) for _ in range(50)]
    kworks = [KworkFactory(seller=s, category=banners) for s in sellers]
    services.request_offer_create(request=request, seller=sellers[0], message="One.", kwork=kworks[0])
    client.force_login(buyer)
    one = _count(client, request.get_absolute_url())
    for s, k in zip(sellers[1:], kworks[1:], strict=True):
        services.request_offer_create(request=request, seller=s, message="Another.", kwork=k)
    assert RequestOffer.objects.count() == 50
    assert _count(client, request.get_absolute_url()) == one


def test_q1_q2_dashboard_cards(client, buyer, seller, logos, moderator, kwork, design):
    request = active_request(buyer, logos, moderator)
    services.request_offer_create(request=request, seller=seller, message="Mine.", kwork=kwork)
    client.force_login(buyer)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'data-testid="requests-card-buyer"' in html and "1 offer</strong> you have not ordered yet" in html
    seller.mode = "seller"
    seller.save(update_fields=["mode"])
    services.subscriptions_set(seller=seller, categories=[design])
    client.force_login(seller)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'data-testid="requests-card-seller"' in html and "open request in your categories" in html
