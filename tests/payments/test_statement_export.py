"""The statement CSV (P9; issue 14): a short statement downloads at once; a long one is written by a Celery task
into private storage and offered when ready (htmx polls "preparing…"), and only its owner can download it."""

import csv
import io
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import AccountChange
from payments import exports, rules, selectors, services
from payments.models import LedgerEntry
from tests.factories import UserFactory, in_group, verified
from tests.support import fund

from .conftest import bonus

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_statement(monkeypatch):
    """Make "long" mean more than 3 entries, so a test needs only a few."""
    monkeypatch.setattr(rules, "STATEMENT_CSV_DIRECT_MAX_ROWS", 3)


def _rows(content):
    return list(csv.reader(io.StringIO(content.decode())))


def _download(client, user):
    status = exports.status_of(user)
    assert status.token, status
    response = client.get(f"/balance/statement/file/{status.token}.csv")
    return response, status


def test_p9_a_short_statement_downloads_at_once(user_client, user):
    fund(user, 1000)
    html = user_client.get("/balance/").content.decode()
    assert 'href="/balance/statement.csv"' in html and "Prepare a CSV file" not in html
    response = user_client.get("/balance/statement.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    header, row = _rows(b"".join(response.streaming_content))
    assert row[header.index("description")] == "Top-up (test mode, not real money)"


def test_p9_a_long_statement_is_prepared_in_the_background_not_in_the_request(user_client, user, long_statement):
    for cents in (100, 200, 300, 400):
        fund(user, cents)
    html = user_client.get("/balance/").content.decode()
    assert "Prepare a CSV file" in html and 'href="/balance/statement.csv"' not in html
    # The direct link (an old bookmark) does not hold the worker either: it sends the person to the file.
    response = user_client.get("/balance/statement.csv")
    assert response.status_code == 302 and response["Location"] == "/balance/#statement-file"


def test_p9_the_task_builds_the_file_and_the_page_offers_it(user_client, user, long_statement):
    fund(user, 5000)
    bonus(user, 250)
    fund(user, 125)
    fund(user, 300)
    response = user_client.post("/balance/statement/file/", HTTP_HX_REQUEST="true")  # Celery runs eagerly here
    html = response.content.decode()
    assert response.status_code == 200 and "Download CSV" in html and "Preparing" not in html
    response, status = _download(user_client, user)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert 'filename="gigly-statement.csv"' in response["Content-Disposition"]
    header, *rows = _rows(b"".join(response.streaming_content))
    assert header == ["date", "part", "reason", "reference", "amount", "balance_after", "memo", "description"]
    assert len(rows) == LedgerEntry.objects.filter(account__owner=user).count() == 4
    assert [row[header.index("amount")] for row in rows] == ["3.00", "1.25", "2.50", "50.00"]  # newest first
    assert rows[2][header.index("part")] == "Bonus balance" and rows[2][header.index("description")].startswith(
        "Promo bonus"
    )
    assert status.size_bytes > 0
    assert "Download CSV" in user_client.get("/balance/").content.decode()


def test_p9_while_the_file_is_prepared_the_page_polls_then_shows_the_link(user_client, user, monkeypatch):
    fund(user, 1000)
    asked = []
    monkeypatch.setattr("payments.tasks.statement_export_build.delay", lambda *args: asked.append(args))
    response = user_client.post("/balance/statement/file/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Preparing your statement file" in html
    assert f'hx-trigger="every {rules.STATEMENT_EXPORT_POLL_SECONDS}s"' in html
    assert 'hx-get="/balance/statement/file/"' in html
    # Asking again while it is prepared starts nothing new.
    user_client.post("/balance/statement/file/", HTTP_HX_REQUEST="true")
    assert len(asked) == 1
    (user_id, token) = asked[0]
    assert user_id == user.pk
    assert "Preparing" in user_client.get("/balance/statement/file/").content.decode()
    exports.build(user_id=user_id, token=token)  # the worker
    html = user_client.get("/balance/statement/file/").content.decode()
    assert f'href="/balance/statement/file/{token}.csv"' in html and "hx-trigger" not in html


def test_p9_a_file_never_finished_is_reported_and_can_be_asked_again(user_client, user, monkeypatch):
    monkeypatch.setattr("payments.tasks.statement_export_build.delay", lambda *args: None)
    user_client.post("/balance/statement/file/", HTTP_HX_REQUEST="true")
    key = exports._pending_key(user.pk)
    pending = cache.get(key)
    cache.set(key, {**pending, "asked_at": time.time() - rules.STATEMENT_EXPORT_WAIT_SECONDS - 1})
    html = user_client.get("/balance/statement/file/").content.decode()
    assert "could not be prepared" in html and "Prepare a CSV file" in html


def test_p9_building_twice_changes_nothing_and_a_new_file_replaces_the_old(user_client, user):
    fund(user, 1000)
    user_client.post("/balance/statement/file/")
    old = exports.status_of(user).token
    assert exports.build(user_id=user.pk, token=old) is None  # a retried task leaves the file as it is
    fund(user, 2000)
    response = user_client.post("/balance/statement/file/")
    assert response.status_code == 302 and response["Location"] == "/balance/#statement-file"
    new = exports.status_of(user).token
    assert new != old
    assert user_client.get(f"/balance/statement/file/{old}.csv").status_code == 404
    response = user_client.get(f"/balance/statement/file/{new}.csv")
    assert len(_rows(b"".join(response.streaming_content))) == 3


def test_p9_the_file_is_a_consistent_picture_of_its_start(user):
    fund(user, 1000)
    fund(user, 2000)
    upto = LedgerEntry.objects.filter(account__owner=user).order_by("id").first().pk
    rows = list(selectors.statement_csv_rows(user=user, upto=upto))
    assert len(rows) == 2 and str(rows[1][4]) == "10.00"


def test_p9_the_file_is_read_in_chunks_across_both_parts(user, monkeypatch):
    monkeypatch.setattr(rules, "STATEMENT_CSV_CHUNK", 3)
    for i in range(5):
        fund(user, 100 + i)
        bonus(user, 10 + i)
    _, *rows = list(selectors.statement_csv_rows(user=user))
    assert len(rows) == 10
    dates = [row[0] for row in rows]
    assert dates == sorted(dates, reverse=True)
    parts = [row[1] for row in rows]
    assert parts.count("Main balance") == 5 and parts.count("Bonus balance") == 5


# --- owner only --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "other user", "moderator", "support", "superuser"])
def test_p9_only_the_owner_can_download_the_file(client, user, who):
    fund(user, 1000)
    client.force_login(user)
    client.post("/balance/statement/file/")
    token = exports.status_of(user).token
    url = f"/balance/statement/file/{token}.csv"
    assert client.get(url).status_code == 200
    client.logout()
    if who == "anonymous":
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    someone = verified(UserFactory())
    if who == "moderator":
        in_group(someone, "Moderators")
    elif who == "support":
        in_group(someone, "Support")
    elif who == "superuser":
        someone.is_staff = someone.is_superuser = True
        someone.save()
    client.force_login(someone)
    assert client.get(url).status_code == 404
    # Their own page offers nothing of the owner's either.
    assert token not in client.get("/balance/").content.decode()
    assert token not in client.get("/balance/statement/file/").content.decode()


@pytest.mark.parametrize("token", ["../1/x", "ABCDEF", "0" * 31, "0" * 33, "g" * 32])
def test_p9_a_made_up_file_name_is_a_404(user_client, user, token):
    assert user_client.get(f"/balance/statement/file/{token}.csv").status_code == 404


def test_p9_the_stored_file_lives_in_private_storage(user_client, user, settings):
    fund(user, 1000)
    user_client.post("/balance/statement/file/")
    token = exports.status_of(user).token
    stored = exports.storage.path(f"statements/{user.pk}/{token}.csv")
    assert stored.startswith(str(settings.PRIVATE_MEDIA_ROOT.resolve()))


def test_p9_asking_for_files_is_rate_limited(user_client, user, monkeypatch):
    monkeypatch.setattr("payments.tasks.statement_export_build.delay", lambda *args: None)
    monkeypatch.setattr(exports, "status_of", lambda user: exports.ExportStatus())
    statuses = [user_client.post("/balance/statement/file/").status_code for _ in range(7)]
    assert statuses[:6] == [302] * 6 and statuses[6] == 429


def test_p9_statement_file_pages_need_login(client):
    for url in ("/balance/statement/file/", "/balance/statement/file/" + "0" * 32 + ".csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_p9_the_file_neutralises_formulas(user_client, user, long_statement):
    support = in_group(verified(UserFactory()), "Support")
    fund(user, 5000)
    services.payout_details_save(user=user, holder_name="Pat", card_last4="1234")
    AccountChange.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=8))
    withdrawal = services.withdrawal_request(user=user, amount_cents=2000)
    services.withdrawal_reject(withdrawal=withdrawal, staff_user=support, reason="=HYPERLINK(1)")
    user_client.post("/balance/statement/file/")
    response, _ = _download(user_client, user)
    header, *rows = _rows(b"".join(response.streaming_content))
    memos = [row[header.index("memo")] for row in rows]
    assert "'=HYPERLINK(1)" in memos and "=HYPERLINK(1)" not in memos
