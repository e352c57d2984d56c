"""C7 in a real browser: the moderator decides on the Kwork's own admin page. An approved Kwork's pending
changes show as a before/after table; "Reject with a reason…" asks for the reason (required) and returns to the
queue; a new Kwork is approved with "Approve this version"."""

import re

import pytest
from playwright.sync_api import expect

from accounts import demo as accounts_demo
from accounts.models import User
from marketplace import demo as marketplace_demo
from marketplace import services
from marketplace.models import Category, Kwork
from tests.e2e.conftest import demo_login
from tests.marketplace.factories import png_upload


def _kwork_data(category, **overrides):
    return {
        "category": category,
        "title": "I will translate your website from English to Spanish",
        "description": "A careful human translation of your website pages, checked by a second reader before delivery.",
        "volume": "1,000 words",
        "price_cents": 1500,
        "lead_time_days": 3,
        "instructions": "",
        "youtube_url": "",
        "uses_packages": False,
        "attributes": {},
        "options": [],
        "packages": {},
        **overrides,
    }


def _waiting(seller, data):
    kwork = services.kwork_create(seller=seller, data=data)
    services.kwork_image_add(seller=seller, kwork=kwork, upload=png_upload())
    return services.kwork_submit(seller=seller, kwork=kwork)


@pytest.mark.django_db(transaction=True)
def test_c7_moderator_reads_the_changes_rejects_with_a_reason_and_approves_from_the_page(new_page, shot):
    accounts_demo.seed(lambda *_: None)
    marketplace_demo._tree(lambda *_: None)
    nina, maria = User.objects.get(username="nina"), User.objects.get(username="maria")
    category = Category.objects.filter(parent__isnull=False, attributes__isnull=True).first()
    changed = _waiting(nina, _kwork_data(category))
    services.kwork_approve(kwork=changed, moderator=maria)
    services.kwork_update(
        seller=nina,
        kwork=changed,
        data=_kwork_data(
            category,
            title="I will translate your website from English to Spanish and Portuguese",
            price_cents=2500,
        ),
        submit=True,
    )
    new = _waiting(nina, _kwork_data(category, title="I will proofread your Spanish texts"))

    moderator = new_page()
    moderator.set_viewport_size({"width": 1366, "height": 900})
    demo_login(moderator, "maria")
    moderator.goto(f"/admin/marketplace/moderationqueue/{changed.pk}/change/")
    diff = moderator.locator("[data-testid=pending-diff]")
    expect(diff).to_contain_text("Now on sale")
    expect(diff.locator("tbody th")).to_have_text(["Title", "Price"])
    expect(diff.locator("ins")).to_have_text([re.compile(r"^\s*and Portuguese$"), "$25.00"])
    expect(diff.locator("tbody tr").nth(1)).to_contain_text("$15.00$25.00")
    shot(moderator, "change-page-diff")

    moderator.click("[data-testid=reject-with-reason]")
    reject_url = moderator.url
    moderator.click("input[type=submit][value=Reject]")  # no reason chosen: the browser asks for one
    expect(moderator.locator("select[name=reason]:invalid")).to_have_count(1)
    assert moderator.url == reject_url
    moderator.select_option("select[name=reason]", label="Description unclear or incomplete")
    moderator.fill("textarea[name=note]", "Say which Portuguese: Brazil or Portugal.")
    shot(moderator, "reject-form")
    moderator.click("input[type=submit][value=Reject]")
    moderator.wait_for_url(re.compile(r".*/admin/marketplace/moderationqueue/$"))
    expect(moderator.locator(".messagelist")).to_contain_text("Rejected 1 Kwork.")
    changed.refresh_from_db()
    assert changed.status == Kwork.Status.ACTIVE and changed.reject_reason == "quality"
    assert changed.title == "I will translate your website from English to Spanish"  # the approved one sells

    moderator.click(f"text={new.title}")
    expect(moderator.locator("[data-testid=moderation-panel]")).to_contain_text("A new Kwork")
    moderator.click("text=Approve this version")
    moderator.wait_for_url(re.compile(r".*/admin/marketplace/moderationqueue/$"))
    expect(moderator.locator(".messagelist")).to_contain_text(f"Approved “{new.title}”.")
    shot(moderator, "approved")
    new.refresh_from_db()
    assert new.status == Kwork.Status.ACTIVE
