"""C14: the buyer's portfolio consent (asked on acceptance, nothing preselected; not asked on auto-completion;
revocable for orders.rules.PORTFOLIO_REVOKE_DAYS) and the seller's upload from the order page, against every
role. Every refusal shows its message and changes nothing."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from marketplace.models import PortfolioItem
from orders import rules, services
from orders.models import Order, OrderEvent
from orders.services.portfolio import CHOICE_REQUIRED, NO_CONSENT, NOT_ASKED
from tests.factories import UserFactory, in_group, verified
from tests.marketplace.factories import png_bytes
from tests.orders.factories import delivered, exactly, fresh
from tests.support import snapshot

pytestmark = pytest.mark.django_db
T0 = timezone.datetime(2026, 3, 2, 10, 0, tzinfo=timezone.UTC)


def png(name="result.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def completed(consent):
    order = delivered()
    return services.order_accept_with_portfolio_choice(order=order, buyer=order.buyer, portfolio_consent=consent)


def stored_files(settings):
    root = Path(settings.PRIVATE_MEDIA_ROOT) / "portfolio"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def moderator(db):
    return in_group(verified(UserFactory(is_staff=True)), "Moderators")


@pytest.fixture
def support(db):
    return in_group(verified(UserFactory()), "Support")


@pytest.fixture
def stranger(db):
    return verified(UserFactory())


def follow(client, response):
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- consent on acceptance ------------------------------------------------------------------------------


@pytest.mark.parametrize("choice", [None, "", "maybe", 1])
def test_c14_accepting_needs_an_explicit_yes_or_no_and_changes_nothing_without_it(choice):
    order = delivered()
    before = snapshot(order)
    with pytest.raises(DomainError, match=exactly(CHOICE_REQUIRED)):
        services.order_accept_with_portfolio_choice(order=order, buyer=order.buyer, portfolio_consent=choice)
    assert snapshot(order) == before
    assert fresh(order).status == Order.Status.DELIVERED


def test_c14_the_seller_cannot_accept_even_with_a_choice():
    order = delivered()
    before = snapshot(order)
    with pytest.raises(DomainError, match=exactly("Only the buyer can accept the work.")):
        services.order_accept_with_portfolio_choice(order=order, buyer=order.seller, portfolio_consent=True)
    assert snapshot(order) == before


@pytest.mark.parametrize("consent", [True, False])
def test_c14_accepting_records_the_buyers_choice_with_an_event(consent):
    order = completed(consent)
    order = fresh(order)
    assert order.status == Order.Status.COMPLETED
    assert order.portfolio_consent is consent and order.portfolio_consent_at == order.completed_at
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PORTFOLIO, actor=order.buyer).count() == 1


def test_c14_auto_completion_asks_nothing_and_the_buyer_may_allow_later():
    with time_machine.travel(T0, tick=False):
        order = delivered()
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        assert services.orders_autocomplete() == 1
        order = fresh(order)
        assert order.status == Order.Status.COMPLETED and order.auto_completed
        assert order.portfolio_consent is None
        with pytest.raises(DomainError, match=exactly(NOT_ASKED)):
            services.order_portfolio_upload(order=order, seller=order.seller, upload=png())
        services.order_portfolio_consent_set(order=order, buyer=order.buyer, consent=True)
    assert fresh(order).portfolio_consent is True


def test_c14_accept_form_offers_yes_and_no_with_nothing_preselected(client):
    order = delivered()
    client.force_login(order.buyer)
    page = client.get(order.get_absolute_url()).text
    assert 'data-testid="portfolio-consent-yes"' in page and 'data-testid="portfolio-consent-no"' in page
    choice = page[page.index('data-testid="portfolio-choice"') :]
    choice = choice[: choice.index("</fieldset>")]
    assert "checked" not in choice and choice.count("required") == 2


def test_c14_accept_view_without_a_choice_is_refused_and_with_one_completes(client):
    order = delivered()
    client.force_login(order.buyer)
    before = snapshot(order)
    page = follow(client, client.post(reverse("orders:accept", args=[order.pk])))
    assert CHOICE_REQUIRED in messages_of(page)
    assert snapshot(order) == before
    page = follow(client, client.post(reverse("orders:accept", args=[order.pk]), {"portfolio_consent": "yes"}))
    assert "The order is completed and the seller has been paid." in page.text
    assert fresh(order).portfolio_consent is True


# --- the seller's upload ----------------------------------------------------------------------------------


def test_c14_upload_without_consent_is_refused_and_nothing_is_stored(settings):
    order = completed(False)
    before = snapshot(order)
    with pytest.raises(DomainError, match=exactly(NO_CONSENT)):
        services.order_portfolio_upload(order=order, seller=order.seller, upload=png())
    assert snapshot(order) == before
    assert not PortfolioItem.objects.exists() and stored_files(settings) == []


def test_c14_upload_before_completion_is_refused():
    order = delivered()
    with pytest.raises(DomainError, match="once the buyer has accepted"):
        services.order_portfolio_upload(order=order, seller=order.seller, upload=png())
    assert not PortfolioItem.objects.exists()


def test_c14_upload_with_consent_is_stored_privately_and_shown(settings, django_capture_on_commit_callbacks):
    order = completed(True)
    item = services.order_portfolio_upload(order=order, seller=order.seller, upload=png())
    assert (item.kwork_id, item.seller_id, item.order_id, item.is_video) == (
        order.kwork_id,
        order.seller_id,
        order.pk,
        False,
    )
    assert item.revocable_until == fresh(order).portfolio_consent_at + timedelta(days=rules.PORTFOLIO_REVOKE_DAYS)
    assert len(stored_files(settings)) == 1 and not (Path(settings.MEDIA_ROOT) / "portfolio").exists()
    # A second upload replaces the first (one item per order), and the old file goes.
    with django_capture_on_commit_callbacks(execute=True):
        services.order_portfolio_upload(order=order, seller=order.seller, upload=png("better.png"))
    assert PortfolioItem.objects.count() == 1 and len(stored_files(settings)) == 1


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("virus.png", b"MZ\x90\x00 not an image", content_type="image/png"),
            "not really a .png",
        ),
        (
            SimpleUploadedFile("sources.zip", b"PK\x03\x04" + b"\x00" * 40, content_type="application/zip"),
            "not allowed",
        ),
        (None, "Choose an image or a video"),
    ],
)
def test_c14_upload_checks_the_file_c6_images_and_videos_only(settings, upload, message):
    order = completed(True)
    with pytest.raises(DomainError, match=message):
        services.order_portfolio_upload(order=order, seller=order.seller, upload=upload)
    assert not PortfolioItem.objects.exists() and stored_files(settings) == []


def test_c14_only_the_seller_uploads():
    order = completed(True)
    with pytest.raises(DomainError, match=exactly("Only the seller can add the result to the portfolio.")):
        services.order_portfolio_upload(order=order, seller=order.buyer, upload=png())


# --- revocation -----------------------------------------------------------------------------------------


def test_c14_revoking_within_the_window_deletes_the_item_and_its_file(
    settings, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        order = completed(True)
        services.order_portfolio_upload(order=order, seller=order.seller, upload=png())
    assert len(stored_files(settings)) == 1
    last_moment = T0 + timedelta(days=rules.PORTFOLIO_REVOKE_DAYS) - timedelta(seconds=1)
    with time_machine.travel(last_moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.order_portfolio_consent_set(order=order, buyer=order.buyer, consent=False)
    assert fresh(order).portfolio_consent is False
    assert not PortfolioItem.objects.exists() and stored_files(settings) == []


def test_c14_revoking_after_the_window_is_refused_and_the_item_stays():
    with time_machine.travel(T0, tick=False):
        order = completed(True)
        services.order_portfolio_upload(order=order, seller=order.seller, upload=png())
    with time_machine.travel(T0 + timedelta(days=rules.PORTFOLIO_REVOKE_DAYS), tick=False):
        before = snapshot(order)
        with pytest.raises(DomainError, match="only within 14 days"):
            services.order_portfolio_consent_set(order=order, buyer=order.buyer, consent=False)
    assert snapshot(order) == before and PortfolioItem.objects.count() == 1


def test_c14_saying_no_twice_or_yes_twice_is_refused():
    no = completed(False)
    with pytest.raises(DomainError, match="already said no"):
        services.order_portfolio_consent_set(order=no, buyer=no.buyer, consent=False)
    yes = completed(True)
    with pytest.raises(DomainError, match="already allowed"):
        services.order_portfolio_consent_set(order=yes, buyer=yes.buyer, consent=True)
    # A "no" may become a "yes" later.
    services.order_portfolio_consent_set(order=no, buyer=no.buyer, consent=True)
    assert fresh(no).portfolio_consent is True


def test_c14_consent_is_the_buyers_and_only_on_completed_orders():
    order = completed(True)
    with pytest.raises(DomainError, match=exactly("Only the buyer can decide about the portfolio.")):
        services.order_portfolio_consent_set(order=order, buyer=order.seller, consent=False)
    running = delivered()
    with pytest.raises(DomainError, match="once the order is completed"):
        services.order_portfolio_consent_set(order=running, buyer=running.buyer, consent=True)


# --- the order page and its endpoints against every role ---------------------------------------------------


def test_c14_order_page_card_for_buyer_and_seller(client):
    order = completed(True)
    client.force_login(order.buyer)
    page = client.get(order.get_absolute_url()).text
    assert 'data-testid="order-portfolio"' in page and 'data-testid="portfolio-revoke"' in page
    assert 'data-testid="portfolio-upload-form"' not in page
    client.force_login(order.seller)
    page = client.get(order.get_absolute_url()).text
    assert 'data-testid="portfolio-upload-form"' in page and 'data-testid="portfolio-revoke"' not in page


def test_c14_seller_is_told_why_there_is_no_upload_form(client):
    refused, not_asked = completed(False), delivered()
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        services.orders_autocomplete()
    client.force_login(refused.seller)
    page = client.get(refused.get_absolute_url()).text
    assert 'data-testid="portfolio-refused"' in page and "portfolio-upload-form" not in page
    client.force_login(not_asked.seller)
    page = client.get(not_asked.get_absolute_url()).text
    assert 'data-testid="portfolio-not-asked"' in page and "portfolio-upload-form" not in page
    client.force_login(not_asked.buyer)
    assert 'data-testid="portfolio-allow"' in client.get(not_asked.get_absolute_url()).text


def test_c14_endpoints_work_for_their_owner(client):
    order = delivered()
    client.force_login(order.buyer)
    client.post(reverse("orders:accept", args=[order.pk]), {"portfolio_consent": "no"})
    page = follow(client, client.post(reverse("orders:portfolio_consent", args=[order.pk]), {"consent": "yes"}))
    assert "The seller may now show the result" in page.text
    client.force_login(order.seller)
    response = client.post(reverse("orders:portfolio_upload", args=[order.pk]), {"file": png()})
    assert response["Location"].endswith("#portfolio")
    assert PortfolioItem.objects.filter(order_id=order.pk).exists()
    page = follow(client, client.post(reverse("orders:portfolio_remove", args=[order.pk])))
    assert "removed from your portfolio" in page.text and not PortfolioItem.objects.exists()


def test_c14_endpoints_refuse_the_other_party_with_a_message(client):
    order = completed(True)
    client.force_login(order.seller)
    before = snapshot(order)
    page = follow(client, client.post(reverse("orders:portfolio_consent", args=[order.pk]), {"consent": "no"}))
    assert "Only the buyer can decide about the portfolio." in messages_of(page)
    client.force_login(order.buyer)
    page = follow(client, client.post(reverse("orders:portfolio_upload", args=[order.pk]), {"file": png()}))
    assert "Only the seller can add the result to the portfolio." in messages_of(page)
    page = follow(client, client.post(reverse("orders:portfolio_remove", args=[order.pk])))
    assert "Only the seller can remove the result from the portfolio." in messages_of(page)
    assert snapshot(order) == before and not PortfolioItem.objects.exists()


@pytest.mark.parametrize("who", ["stranger", "moderator", "support"])
def test_c14_order_page_and_endpoints_are_404_for_everyone_else(client, request, who):
    order = completed(True)
    client.force_login(request.getfixturevalue(who))
    before = snapshot(order)
    assert client.get(order.get_absolute_url()).status_code == 404
    assert client.post(reverse("orders:portfolio_consent", args=[order.pk]), {"consent": "no"}).status_code == 404
    assert client.post(reverse("orders:portfolio_upload", args=[order.pk]), {"file": png()}).status_code == 404
    assert client.post(reverse("orders:portfolio_remove", args=[order.pk])).status_code == 404
    assert snapshot(order) == before and not PortfolioItem.objects.exists()


def test_c14_endpoints_send_anonymous_visitors_to_log_in(client):
    order = completed(True)
    for name in ("orders:portfolio_consent", "orders:portfolio_upload", "orders:portfolio_remove"):
        response = client.post(reverse(name, args=[order.pk]))
        assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(reverse("orders:portfolio_consent", args=[order.pk])).status_code in (302, 405)


# --- races on PostgreSQL --------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_c14_c11a_consents_at_once_on_one_kwork_are_all_counted():
    from tests.concurrency import race
    from tests.orders.factories import kwork_of, person

    kwork = kwork_of(person())
    orders = []
    for _ in range(4):
        order = delivered(kwork=kwork)
        with time_machine.travel(timezone.now() + timedelta(days=4)):
            services.orders_autocomplete()
        orders.append(order)
    race(*[lambda o=o: services.order_portfolio_consent_set(order=o, buyer=o.buyer, consent=True) for o in orders])
    kwork.refresh_from_db()
    assert kwork.portfolio_orders_count == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_c14_withdrawing_racing_an_upload_never_leaves_an_item_without_consent():
    from tests.concurrency import race

    for _ in range(3):
        order = completed(True)
        race(
            lambda o=order: services.order_portfolio_consent_set(order=o, buyer=o.buyer, consent=False),
            lambda o=order: services.order_portfolio_upload(order=o, seller=o.seller, upload=png()),
        )
        assert fresh(order).portfolio_consent is False
        assert not PortfolioItem.objects.filter(order_id=order.pk).exists()
