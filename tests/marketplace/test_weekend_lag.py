"""C10: the minutes after Friday 00:00 before the beat job flips the flag: hidden and not orderable at once."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from common.errors import DomainError
from marketplace import services
from marketplace.models import Kwork, SellerProfile
from tests.factories import UserFactory
from tests.marketplace.factories import KworkFactory

pytestmark = pytest.mark.django_db

THURSDAY_2359 = datetime(2026, 11, 19, 23, 59, tzinfo=UTC)
FRIDAY_000030 = datetime(2026, 11, 20, 0, 0, 30, tzinfo=UTC)
MONDAY_000030 = datetime(2026, 11, 23, 0, 0, 30, tzinfo=UTC)


def test_c10_friday_000030_before_the_beat_job_the_kwork_is_neither_listed_nor_orderable(client, seller):
    with time_machine.travel(THURSDAY_2359, tick=False):
        kwork = KworkFactory(seller=seller, title="I will design a weekend logo")
        services.seller_weekend_setting_set(seller=seller, hide_on_weekends=True)
    kwork.refresh_from_db()
    assert kwork.seller_hides_weekends and not kwork.weekend_hidden
    buyer = UserFactory()
    with time_machine.travel(FRIDAY_000030, tick=False):
        assert not Kwork.objects.get(pk=kwork.pk).weekend_hidden  # the job has not run yet
        page = client.get(reverse("marketplace:category", args=[kwork.category.slug]))
        assert kwork.title not in [k.title for k in page.context["page"].object_list]
        kwork = Kwork.objects.get(pk=kwork.pk)
        assert not kwork.is_listed
        assert not kwork.is_orderable_by(buyer)
        assert (
            kwork.order_refusal(buyer)
            == "The seller does not take orders on weekends; please come back on Monday."
        )
        with pytest.raises(DomainError, match="does not take orders on weekends"):
            services.cart_add(user=buyer, kwork_id=kwork.pk)
    with time_machine.travel(MONDAY_000030, tick=False):
        services.kworks_weekend_sync()
        kwork = Kwork.objects.get(pk=kwork.pk)
        assert kwork.is_orderable_by(buyer) and kwork.is_listed


def test_c10_sellers_who_do_not_hide_weekends_stay_orderable_on_friday(seller):
    kwork = KworkFactory(seller=seller)
    SellerProfile.objects.create(user=seller, hide_on_weekends=False)
    with time_machine.travel(FRIDAY_000030, tick=False):
        assert Kwork.objects.get(pk=kwork.pk).is_orderable_by(UserFactory())
