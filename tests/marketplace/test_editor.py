"""The seller's Kwork editor: C1–C6, C8, A4, M3, and another seller's Kwork is a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common.errors import DomainError
from marketplace import hooks, rules, services
from marketplace.models import Kwork, KworkImage, KworkOption, KworkPackage, PackagePricePoint
from tests.factories import UserFactory
from tests.marketplace.factories import KworkFactory, png_bytes, png_upload

pytestmark = pytest.mark.django_db


def _snapshot(seller):
    return (
        Kwork.objects.filter(seller=seller).count(),
        KworkOption.objects.filter(kwork__seller=seller).count(),
        KworkImage.objects.filter(kwork__seller=seller).count(),
    )


def test_c2_draft_with_default_price_pays_seller_8(seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    assert kwork.status == Kwork.Status.DRAFT
    assert kwork.price_cents == rules.KWORK_DEFAULT_PRICE_CENTS == 1000
    assert kwork.seller_gets_cents == 800
    assert kwork.attribute_values.get().choice.label == "WordPress"  # C1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price_cents": 900}, "The price must be from $10 to $1000."),
        ({"lead_time_days": 0}, "The lead time must be from 1 to 30 days."),
        ({"title": "Logo"}, "The title must be at least 10 characters long."),
        ({"attributes": {}}, "Choose a value for “CMS”."),
        ({"youtube_url": "https://vimeo.com/123456"}, "This is not a YouTube video link."),
        ({"youtube_url": "https://youtube.com/watch?v=short"}, "This is not a YouTube video link."),
    ],
)
def test_c1_c2_refusals_change_nothing(seller, kwork_data, overrides, message):
    before = _snapshot(seller)
    with pytest.raises(DomainError) as caught:
        services.kwork_create(seller=seller, data=kwork_data(**overrides))
    assert caught.value.message.startswith(message)
    assert _snapshot(seller) == before


@pytest.mark.parametrize(
    ("url", "video_id"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("youtube.com/watch?v=dQw4w9WgXcQ&t=10", "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("", ""),
    ],
)
def test_c2_youtube_links_are_parsed(url, video_id, seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data(youtube_url=url))
    assert kwork.youtube_id == video_id
    if video_id:
        assert kwork.youtube_embed_url == f"https://www.youtube-nocookie.com/embed/{video_id}"


def test_m3_contact_details_in_the_description_are_refused(seller, kwork_data):
    with pytest.raises(DomainError) as caught:
        services.kwork_create(
            seller=seller, data=kwork_data(description="Great sites. " * 5 + "Mail me: me@x.com")
        )
    assert "contains contact details (“me@x.com”)" in caught.value.message
    assert caught.value.field == "description"
    assert not Kwork.objects.filter(seller=seller).exists()


def test_c3_up_to_ten_options_within_bounds(seller, kwork_data):
    options = [{"title": f"Option {i}", "price_cents": 400 + i * 100} for i in range(10)]
    options[-1]["price_cents"] = 20_000
    kwork = services.kwork_create(seller=seller, data=kwork_data(options=options))
    assert kwork.options.count() == 10
    assert kwork.options.get(price_cents=400).seller_gets_cents == 320
    assert kwork.options.get(price_cents=20_000).seller_gets_cents == 16_000


def test_c3_eleven_options_are_refused(seller, kwork_data):
    options = [{"title": f"Option {i}", "price_cents": 500} for i in range(11)]
    with pytest.raises(DomainError, match="at most 10 extra options"):
        services.kwork_create(seller=seller, data=kwork_data(options=options))
    assert _snapshot(seller) == (0, 0, 0)


@pytest.mark.parametrize("cents", [399, 20_001])
def test_c3_option_price_out_of_bounds_is_refused(seller, kwork_data, cents):
    with pytest.raises(DomainError) as caught:
        services.kwork_create(seller=seller, data=kwork_data(options=[{"title": "Express", "price_cents": cents}]))
    assert caught.value.message == (
        "The option “Express” must cost the buyer from $4.00 to $200.00 (you receive $3.20 to $160.00)."
    )
    assert _snapshot(seller) == (0, 0, 0)


def _packages(economy=1500, standard=3000, business=8000):
    return {
        "economy": {"description": "1 concept", "price_cents": economy, "lead_time_days": 2},
        "standard": {"description": "2 concepts\nSVG", "price_cents": standard, "lead_time_days": 3},
        "business": {"description": "3 concepts\nAll files", "price_cents": business, "lead_time_days": 5},
    }


def test_c4_packages_use_the_category_price_points(seller, kwork_data, subcategory):
    for tier, cents in (("economy", 1500), ("standard", 3000), ("business", 8000)):
        PackagePricePoint.objects.create(category=subcategory.parent, tier=tier, price_cents=cents)
    kwork = services.kwork_create(seller=seller, data=kwork_data(uses_packages=True, packages=_packages()))
    assert kwork.uses_packages
    assert list(kwork.packages.values_list("tier", "price_cents")) == [
        ("economy", 1500),
        ("standard", 3000),
        ("business", 8000),
    ]
    assert kwork.price_cents == 1500  # "from" price on cards


def test_c4_price_outside_the_points_is_refused(seller, kwork_data, subcategory):
    for tier, cents in (("economy", 1500), ("standard", 3000), ("business", 8000)):
        PackagePricePoint.objects.create(category=subcategory.parent, tier=tier, price_cents=cents)
    with pytest.raises(DomainError) as caught:
        services.kwork_create(
            seller=seller, data=kwork_data(uses_packages=True, packages=_packages(standard=3100))
        )
    assert caught.value.message == "The Standard package price must be one of this category's price points: $30."
    assert not KworkPackage.objects.exists() and not Kwork.objects.exists()


def test_c4_default_points_apply_and_tiers_must_rise(seller, kwork_data):
    with pytest.raises(DomainError, match="Packages must cost more from Economy to Standard to Business"):
        services.kwork_create(
            seller=seller, data=kwork_data(uses_packages=True, packages=_packages(economy=2000, standard=2000))
        )
    assert not Kwork.objects.exists()


def test_a4_unconfirmed_email_cannot_create_a_kwork(kwork_data):
    unconfirmed = UserFactory()
    with pytest.raises(DomainError) as caught:
        services.kwork_create(seller=unconfirmed, data=kwork_data())
    assert caught.value.message.startswith("Please confirm your e-mail address before you create a Kwork.")
    assert not Kwork.objects.exists()


def test_a4_editor_page_asks_to_confirm_the_email(client, kwork_data):
    client.force_login(UserFactory())
    response = client.get(reverse("marketplace:kwork_new"))
    assert response.status_code == 403
    assert "Please confirm your e-mail address before you create a Kwork." in response.text


def test_c8_without_an_active_kwork_at_most_ten_wait_in_moderation(seller, kwork_data):
    for _ in range(rules.MAX_IN_MODERATION_WITHOUT_ACTIVE):
        KworkFactory(
            seller=seller,
            status=Kwork.Status.MODERATION,
            review_requested_at="2026-11-01T10:00Z",
            approved_at=None,
        )
    draft = services.kwork_create(seller=seller, data=kwork_data())
    KworkImage.objects.create(kwork=draft, image=png_upload())
    with pytest.raises(DomainError) as caught:
        services.kwork_submit(seller=seller, kwork=draft)
    assert caught.value.message == (
        "You already have 10 Kworks waiting for moderation. Until one of your Kworks is active, "
        "at most 10 can wait at once."
    )
    draft.refresh_from_db()
    assert draft.status == Kwork.Status.DRAFT and draft.review_requested_at is None


def test_c8_with_an_active_kwork_the_moderation_limit_does_not_apply(seller, kwork_data):
    KworkFactory(seller=seller)
    for _ in range(rules.MAX_IN_MODERATION_WITHOUT_ACTIVE):
        KworkFactory(
            seller=seller,
            status=Kwork.Status.MODERATION,
            review_requested_at="2026-11-01T10:00Z",
            approved_at=None,
        )
    draft = services.kwork_create(seller=seller, data=kwork_data())
    KworkImage.objects.create(kwork=draft, image=png_upload())
    assert services.kwork_submit(seller=seller, kwork=draft).status == Kwork.Status.MODERATION


def test_c8_newbie_has_at_most_twenty_kworks(seller, kwork_data):
    KworkFactory.create_batch(rules.MAX_KWORKS_NEWBIE, seller=seller, status=Kwork.Status.DRAFT, approved_at=None)
    with pytest.raises(DomainError) as caught:
        services.kwork_create(seller=seller, data=kwork_data())
    assert caught.value.message.startswith("As a Newbie seller you can have at most 20 Kworks.")
    assert Kwork.objects.filter(seller=seller).count() == 20


def test_c8_active_kwork_but_no_orders_at_most_twenty(seller, kwork_data):
    hooks.register("seller_level", lambda s: hooks.ADVANCED)
    KworkFactory.create_batch(rules.MAX_KWORKS_WITHOUT_ORDERS, seller=seller)
    with pytest.raises(DomainError) as caught:
        services.kwork_create(seller=seller, data=kwork_data())
    assert caught.value.message == "Until you receive your first order you can have at most 20 Kworks."
    hooks.register("seller_has_orders", lambda s: True)
    assert services.kwork_create(seller=seller, data=kwork_data()).pk


def test_c6_gallery_upload_checks_content_and_size(client, seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    client.force_login(seller)
    url = reverse("marketplace:kwork_media", args=[kwork.pk])

    fake = SimpleUploadedFile("virus.png", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png")
    response = client.post(url, {"action": "image", "image": fake}, follow=True)
    assert "“virus.png” is not really a .png file: its content does not match its name." in response.text

    big = SimpleUploadedFile("huge.png", png_bytes() + b"\x00" * (5 * 1024 * 1024), content_type="image/png")
    response = client.post(url, {"action": "image", "image": big}, follow=True)
    assert "files can be at most 4 MB. For larger files, share a link to a cloud folder instead." in response.text
    assert not kwork.images.exists()

    response = client.post(url, {"action": "image", "image": png_upload("cover.png")}, follow=True)
    assert "Image added." in response.text
    assert kwork.images.count() == 1


def test_c6_exe_file_attachment_is_refused(client, seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    client.force_login(seller)
    upload = SimpleUploadedFile("setup.exe", b"MZ\x90\x00" * 20)
    response = client.post(
        reverse("marketplace:kwork_media", args=[kwork.pk]), {"action": "file", "file": upload}, follow=True
    )
    assert "“setup.exe”: this type of file is not allowed." in response.text
    assert not kwork.files.exists()


def test_another_sellers_kwork_is_a_404(client, seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    intruder = UserFactory()
    client.force_login(intruder)
    assert client.get(reverse("marketplace:kwork_edit", args=[kwork.pk])).status_code == 404
    response = client.post(reverse("marketplace:kwork_action", args=[kwork.pk]), {"action": "delete"})
    assert response.status_code == 404
    response = client.post(reverse("marketplace:kwork_media", args=[kwork.pk]), {"action": "image"})
    assert response.status_code == 404
    assert Kwork.objects.filter(pk=kwork.pk).exists()
    assert client.get(reverse("marketplace:kwork", args=[kwork.pk])).status_code == 404  # a draft is private


def test_c2_editor_page_creates_a_draft_and_keeps_input_on_errors(client, seller, subcategory):
    client.force_login(seller)
    cms = subcategory.attributes.get()
    form = {
        "category": subcategory.pk,
        "title": "I will build a WordPress website for you",
        "description": "short",
        "volume": "1 site",
        "price": "10",
        "lead_time_days": "5",
        f"attr_{cms.pk}": cms.choices.first().pk,
        "option_0_title": "Extra page",
        "option_0_price": "3",
    }
    response = client.post(reverse("marketplace:kwork_new"), form)
    assert response.status_code == 200
    assert "Describe what the buyer gets in at least 50 characters." in response.text
    assert 'value="I will build a WordPress website for you"' in response.text
    assert not Kwork.objects.exists()

    form["description"] = "A fast WordPress site with five pages, a contact form and the basic SEO done right."
    response = client.post(reverse("marketplace:kwork_new"), form)
    assert "must cost the buyer from $4.00 to $200.00" in response.text
    assert not Kwork.objects.exists()

    form["option_0_price"] = "4.50"
    response = client.post(reverse("marketplace:kwork_new"), form)
    kwork = Kwork.objects.get()
    assert response.status_code == 302 and response.url == reverse("marketplace:kwork_edit", args=[kwork.pk])
    assert kwork.options.get().price_cents == 450


def test_c7_submit_needs_an_image_then_waits_in_the_queue(seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    with pytest.raises(DomainError, match="Add at least one gallery image"):
        services.kwork_submit(seller=seller, kwork=kwork)
    services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    kwork = services.kwork_submit(seller=seller, kwork=kwork)
    assert kwork.status == Kwork.Status.MODERATION and kwork.review_requested_at is not None
    with pytest.raises(DomainError, match="already waiting for moderation"):
        services.kwork_submit(seller=seller, kwork=kwork)


def test_c4_editor_page_saves_packages_from_the_price_points(client, seller, subcategory):
    for tier, cents in (("economy", 1500), ("standard", 3000), ("business", 8000)):
        PackagePricePoint.objects.create(category=subcategory.parent, tier=tier, price_cents=cents)
    client.force_login(seller)
    cms = subcategory.attributes.get()
    form = {
        "category": subcategory.pk,
        "title": "I will design a logo in three packages",
        "description": "A clean logo for your brand, with the files you need, in the package that fits your budget.",
        "volume": "1 logo",
        "price": "10",
        "lead_time_days": "3",
        f"attr_{cms.pk}": cms.choices.first().pk,
        "uses_packages": "on",
        "package_economy_description": "1 concept",
        "package_economy_price": "1500",
        "package_economy_days": "2",
        "package_standard_description": "2 concepts\nSVG",
        "package_standard_price": "3000",
        "package_standard_days": "3",
        "package_business_description": "3 concepts\nAll files",
        "package_business_price": "8000",
        "package_business_days": "5",
    }
    page = client.get(reverse("marketplace:kwork_new"), {"category": subcategory.pk})
    assert '<option value="3000">$30</option>' in page.text  # only the category's points are offered
    response = client.post(reverse("marketplace:kwork_new"), form)
    assert response.status_code == 302
    kwork = Kwork.objects.get()
    assert kwork.uses_packages and kwork.packages.count() == 3


def test_c7_editor_page_on_an_approved_kwork_keeps_the_approved_version(client, seller, kwork_data):
    kwork = services.kwork_create(seller=seller, data=kwork_data())
    Kwork.objects.filter(pk=kwork.pk).update(status=Kwork.Status.ACTIVE, approved_at="2026-11-01T10:00Z")
    KworkImage.objects.create(kwork=kwork, image=png_upload())
    client.force_login(seller)
    page = client.get(reverse("marketplace:kwork_edit", args=[kwork.pk]))
    form = {key: value for key, value in page.context["form"].initial.items() if value not in (None, "")}
    form["category"] = kwork.category_id
    form["title"] = "I will build a faster WordPress website"
    response = client.post(
        reverse("marketplace:kwork_edit", args=[kwork.pk]), {**form, "submit": "1"}, follow=True
    )
    assert "Sent to moderation." in response.text
    kwork.refresh_from_db()
    assert kwork.title == "I will build a WordPress website for your business"
    assert kwork.pending_changes["title"] == "I will build a faster WordPress website"
    assert kwork.review_requested_at is not None and kwork.is_listed
