"""T1, T2 in a real browser: a buyer reports a seller's Kwork, Support blocks the seller from the report, the
seller's Kworks leave the catalogue and the seller (who can still read) appeals with a file; the agent who gave
the penalty may not decide the appeal, another agent grants it and the Kwork is back on sale. Screenshots at
1366 px and 390 px wide."""

from importlib import import_module

import pytest

from accounts.models import Appeal, Penalty, Report
from accounts.roles import SUPPORT, sync_role_permissions
from marketplace.models import Kwork
from tests.e2e.conftest import login
from tests.e2e.test_support_journey import both_widths, png_file
from tests.factories import PASSWORD, UserFactory, in_group, verified
from tests.marketplace.factories import KworkFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.rule("T1", "T2")]


@pytest.fixture
def cast():
    from django.apps import apps as django_apps

    import_module("accounts.migrations.0002_roles_and_badges").forwards(django_apps, None)
    sync_role_permissions()
    buyer = verified(UserFactory(username="bella_buyer", display_name="Bella"))
    seller = verified(UserFactory(username="rude_seller", display_name="Rudy"))
    kwork = KworkFactory(seller=seller, title="I will write rude slogans for your shop")
    giver = verified(in_group(UserFactory(username="sam_support"), SUPPORT))
    judge = verified(in_group(UserFactory(username="tess_support"), SUPPORT))
    return buyer, seller, kwork, giver, judge


def test_t1_t2_report_block_appeal_lift(new_page, shot, cast, tmp_path):
    buyer, seller, kwork, giver, judge = cast

    bella = new_page()
    login(bella, buyer.username, PASSWORD)
    bella.goto(kwork.get_absolute_url())
    with bella.expect_navigation():
        bella.click("main a:has-text('Report')")
    bella.fill("#id_reason", "The seller insulted me in the chat and the Kwork is offensive.")
    with bella.expect_navigation():
        bella.click("button:has-text('Send report')")
    report = Report.objects.get(reporter=buyer)
    assert report.target_user == seller

    sam = new_page()
    login(sam, giver.username, PASSWORD)
    sam.goto("/backoffice/reports/")
    sam.wait_for_selector("text=The seller insulted me")
    both_widths(sam, shot, "penalty-report-queue")
    with sam.expect_navigation():
        sam.click("a:has-text('Give a penalty')")
    assert sam.input_value("#id_user") == seller.username  # filled from the report
    sam.select_option("#id_kind", Penalty.Kind.TEMPORARY)
    sam.select_option("#id_rule", Penalty.Rule.PROFANITY)
    sam.fill("#id_reason", "Insults in the order chat.")
    with sam.expect_navigation():
        sam.click("button:has-text('Give the penalty')")
    penalty = Penalty.objects.get(user=seller)
    assert penalty.kind == Penalty.Kind.TEMPORARY and penalty.given_by == giver
    assert Kwork.objects.get(pk=kwork.pk).seller_blocked

    # The buyer sees the Kwork off sale; the catalogue no longer lists it.
    bella.goto(kwork.get_absolute_url())
    bella.wait_for_selector("text=account is suspended")
    bella.goto(kwork.category.get_absolute_url())
    assert "I will write rude slogans" not in bella.content()

    # The seller can read, not act: any write sends them to the page that explains the block.
    rudy = new_page()
    login(rudy, seller.username, PASSWORD)
    rudy.goto("/account/penalties/")
    rudy.wait_for_selector("text=Insults in the order chat.")
    rudy.click("summary:has-text('Appeal this penalty')")
    rudy.fill("#id_text", "It was a misunderstanding; here is the whole conversation.")
    rudy.set_input_files("#id_file", png_file(tmp_path, "conversation.png"))
    both_widths(rudy, shot, "penalty-appeal-form")
    with rudy.expect_navigation():
        rudy.click("button:has-text('Send appeal')")
    appeal = Appeal.objects.get(penalty=penalty)

    # The agent who gave the penalty is not offered the decision (the service refuses it too: tests/arbitration).
    sam.goto("/backoffice/appeals/")
    sam.wait_for_selector("text=You gave this penalty: another member of staff decides the appeal.")
    assert sam.locator("button:has-text('Grant and lift')").count() == 0
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING

    tess = new_page()
    login(tess, judge.username, PASSWORD)
    tess.goto("/backoffice/appeals/")
    tess.wait_for_selector("text=It was a misunderstanding")
    both_widths(tess, shot, "penalty-appeal-queue")
    tess.fill("input[name=reason]", "The conversation shows no insult; sorry.")
    with tess.expect_navigation():
        tess.click("button:has-text('Grant and lift')")
    tess.wait_for_selector("text=Appeal granted: the penalty is lifted.")

    penalty.refresh_from_db()
    assert penalty.status == Penalty.Status.LIFTED
    rudy.reload()
    rudy.wait_for_selector("text=The conversation shows no insult")
    both_widths(rudy, shot, "penalty-appeal-granted")
    bella.goto(kwork.category.get_absolute_url())
    bella.wait_for_selector("text=I will write rude slogans for your shop")
