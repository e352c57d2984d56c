"""Promo codes (P8) and referrals (P7)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from common.errors import DomainError
from payments import services
from payments.invariants import ledger_problems
from payments.models import LedgerAccount, PromoCode, PromoRedemption, Referral, ReferralCommission
from payments.selectors import balance_of
from tests.factories import UserFactory, verified
from tests.support import fund, snapshot

from .conftest import bonus

pytestmark = pytest.mark.django_db


@pytest.fixture
def promo(db):
    return PromoCode.objects.create(code="spring5", amount_cents=500)


def test_p8_promo_code_credits_the_bonus_part_once(user, promo):
    services.promo_redeem(user=user, code=" Spring5 ")
    b = balance_of(user)
    assert (b.main_cents, b.bonus_cents, b.withdrawable_cents) == (0, 500, 0)
    before = snapshot()
    with pytest.raises(DomainError, match="already used this promo code"):
        services.promo_redeem(user=user, code="SPRING5")
    assert snapshot() == before
    assert ledger_problems() == []


def test_p8_unknown_or_inactive_code_is_refused(user, promo):
    before = snapshot()
    with pytest.raises(DomainError, match="There is no promo code “NOPE”"):
        services.promo_redeem(user=user, code="nope")
    promo.is_active = False
    promo.save()
    with pytest.raises(DomainError, match="There is no promo code"):
        services.promo_redeem(user=user, code="spring5")
    assert snapshot() == before


def test_p8_expired_and_not_yet_valid_codes_are_refused(user, promo):
    promo.valid_until = timezone.now() - timedelta(days=1)
    promo.save()
    with pytest.raises(DomainError, match="expired on"):
        services.promo_redeem(user=user, code="spring5")
    promo.valid_until = None
    promo.valid_from = timezone.now() + timedelta(days=1)
    promo.save()
    with pytest.raises(DomainError, match="not valid yet"):
        services.promo_redeem(user=user, code="spring5")
    assert not PromoRedemption.objects.exists()


def test_p8_used_up_code_is_refused(user, other_user, promo):
    promo.max_redemptions = 1
    promo.save()
    services.promo_redeem(user=user, code="spring5")
    before = snapshot()
    with pytest.raises(DomainError, match="used up"):
        services.promo_redeem(user=other_user, code="spring5")
    assert snapshot() == before


def test_p8_promo_form_shows_the_error_next_to_the_field(user_client, user, promo):
    response = user_client.post("/balance/promo/", {"code": "wrong"})
    assert response.status_code == 200
    assert "There is no promo code “WRONG”" in response.content.decode()
    response = user_client.post("/balance/promo/", {"code": "spring5"})
    assert response.status_code == 302
    assert balance_of(user).bonus_cents == 500


# --- referrals (P7) ---------------------------------------------------------------------------------------


def refer(partner, person, *, active=True):
    return Referral.objects.create(
        partner=partner, referred=person, activated_at=timezone.now() if active else None
    )


def test_p7_partner_link_attributes_the_sign_up(client, user):
    response = client.get(f"/r/{user.username}/")
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/"
    from allauth.account.signals import user_signed_up

    newcomer = UserFactory()
    request = type("R", (), {"session": client.session})()
    user_signed_up.send(sender=None, request=request, user=newcomer)
    referral = Referral.objects.get(referred=newcomer)
    assert referral.partner == user and referral.activated_at is None


def test_p7_real_sign_up_through_the_partner_link(client, user):
    client.get(f"/r/{user.username}/")
    response = client.post(
        "/accounts/signup/",
        {
            "email": "newbie@example.com",
            "username": "newbie",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
            "is_adult": "on",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    assert Referral.objects.get(referred__username="newbie").partner == user
    assert "referral_partner_id" not in client.session


def test_p7_no_self_referral_and_unknown_partner_is_404(client, user):
    assert client.get("/r/nobody-here/").status_code == 404
    assert services.referral_attach(user=user, partner_id=user.pk) is None


def test_p7_partner_earns_3_5_percent_of_purchases_and_2_5_percent_of_sales(user, seller):
    buyers_partner = verified(UserFactory())
    sellers_partner = verified(UserFactory())
    refer(buyers_partner, user)
    refer(sellers_partner, seller)
    fund(user, 10_000)
    hold = services.escrow_hold(buyer=user, amount_cents=10_000, reference="order:1", idempotency_key="k")
    services.escrow_release(hold=hold, seller=seller)
    assert balance_of(buyers_partner).main_cents == 350
    assert balance_of(sellers_partner).main_cents == 250
    assert balance_of(seller).main_cents == 8000  # the seller's 80 % is untouched
    assert services.system_balance(LedgerAccount.Kind.PLATFORM) == 2000 - 600
    assert ReferralCommission.objects.count() == 2
    assert ledger_problems() == []


def test_p7_commission_is_counted_only_on_money_paid_from_the_main_part(user, seller):
    partner = verified(UserFactory())
    refer(partner, user)
    fund(user, 6000)
    bonus(user, 4000)
    hold = services.escrow_hold(buyer=user, amount_cents=10_000, reference="order:1", idempotency_key="k")
    assert hold.main_cents == 6000
    services.escrow_release(hold=hold, seller=seller)
    assert balance_of(partner).main_cents == 210  # 3.5 % of $60, not of $100


def test_p7_no_commission_on_a_refund(user):
    partner = verified(UserFactory())
    refer(partner, user)
    fund(user, 1000)
    hold = services.escrow_hold(buyer=user, amount_cents=1000, reference="order:1", idempotency_key="k")
    services.escrow_refund(hold=hold)
    assert balance_of(partner).main_cents == 0


def test_p7_split_pays_commission_on_the_sold_main_part(user, seller):
    partner = verified(UserFactory())
    refer(partner, user)
    fund(user, 10_000)
    hold = services.escrow_hold(buyer=user, amount_cents=10_000, reference="order:1", idempotency_key="k")
    services.escrow_split(hold=hold, seller=seller, refund_cents=6000)
    assert balance_of(partner).main_cents == 140  # 3.5 % of the $40 sold


def test_p7_referral_becomes_active_only_within_180_days(user, other_user):
    referral = refer(user, other_user, active=False)
    with time_machine.travel(timezone.now() + timedelta(days=181), tick=False):
        services.referral_mark_active(user=other_user)
    referral.refresh_from_db()
    assert referral.activated_at is None
    with time_machine.travel(timezone.now() + timedelta(days=100), tick=False):
        services.referral_mark_active(user=other_user)
    referral.refresh_from_db()
    assert referral.activated_at is not None
    assert services.referral_mark_active(user=verified(UserFactory())) is None


def test_p7_inactive_referral_detaches_after_180_days_active_after_three_years(user, seller):
    partner = verified(UserFactory())
    referral = refer(partner, user, active=False)
    fund(user, 30_000)
    with time_machine.travel(timezone.now() + timedelta(days=181), tick=False):
        hold = services.escrow_hold(buyer=user, amount_cents=10_000, reference="order:1", idempotency_key="a")
        services.escrow_release(hold=hold, seller=seller)
    assert balance_of(partner).main_cents == 0
    referral.activated_at = referral.created_at + timedelta(days=10)
    referral.save()
    with time_machine.travel(timezone.now() + timedelta(days=3 * 365 - 2), tick=False):
        hold = services.escrow_hold(buyer=user, amount_cents=10_000, reference="order:2", idempotency_key="b")
        services.escrow_release(hold=hold, seller=seller)
    assert balance_of(partner).main_cents == 350
    with time_machine.travel(timezone.now() + timedelta(days=3 * 365 + 1), tick=False):
        hold = services.escrow_hold(buyer=user, amount_cents=10_000, reference="order:3", idempotency_key="c")
        services.escrow_release(hold=hold, seller=seller)
    assert balance_of(partner).main_cents == 350


def test_p7_referrals_page_lists_people_and_earnings(user_client, user, seller):
    person = verified(UserFactory(display_name="Robin Referred"))
    refer(user, person)
    fund(person, 1000)
    hold = services.escrow_hold(buyer=person, amount_cents=1000, reference="order:1", idempotency_key="k")
    services.escrow_release(hold=hold, seller=seller)
    html = user_client.get("/referrals/").content.decode()
    assert f"/r/{user.username}/" in html
    assert "Robin Referred" in html and "$0.35" in html and "active" in html


def test_p8_staff_create_promo_codes_in_the_admin_and_ledger_is_read_only_there(client, user):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("boss", "boss@example.com", "x-long-pass-1")
    client.force_login(admin_user)
    response = client.post(
        "/admin/payments/promocode/add/",
        {
            "code": "summer25",
            "amount_cents": "2500",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
            "is_active": "on",
            "note": "",
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PromoCode.objects.get().code == "SUMMER25"
    services.promo_redeem(user=user, code="summer25")
    from payments.models import LedgerEntry

    entry = LedgerEntry.objects.first()
    assert client.get(f"/admin/payments/ledgerentry/{entry.pk}/change/").status_code in (302, 403, 404)
    assert client.get("/admin/payments/ledgertransaction/add/").status_code == 403
    page = client.get(f"/admin/payments/ledgertransaction/{entry.transaction_id}/change/")
    assert page.status_code == 200 and b"Save" not in page.content


def test_p7_partner_statement_shows_a_referral_commission_not_someone_elses_order(client, user, seller):
    partner = verified(UserFactory())
    refer(partner, user)
    fund(user, 10_000)
    hold = services.escrow_hold(buyer=user, amount_cents=10_000, reference="order:31", idempotency_key="k")
    services.escrow_release(hold=hold, seller=seller)
    client.force_login(partner)
    html = client.get("/balance/").content.decode()
    assert "Referral commission" in html and "+$3.50" in html
    assert 'href="/orders/31/"' not in html
    client.force_login(seller)
    html = client.get("/balance/").content.decode()
    # The seller's row names the order (linked for a real order's parties: tests/payments/test_statement.py).
    assert "Earnings from order #31" in html and "Referral commission" not in html
