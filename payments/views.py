"""Pages of the payments app: thin, each calls one service (DESIGN: views)."""

import logging
import time

from allauth.account import app_settings as allauth_settings
from allauth.account.authentication import get_authentication_records
from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts import rules as account_rules
from accounts import selectors as account_selectors
from accounts.roles import support_required
from common.backoffice import decide, status_queue
from common.csv import csv_response, csv_streaming_response
from common.errors import DomainError
from common.files import file_response
from common.money import format_cents
from common.ratelimit import ratelimit
from common.redirects import next_from, redirect_back

from . import exports, rules, selectors, services
from .forms import PayoutDetailsForm, PromoForm, RejectForm, TopUpForm, WithdrawalForm
from .models import Withdrawal

logger = logging.getLogger(__name__)


def _signed_in_long_ago(request):
    """Whether the session's last authentication (the login, or typing the password again) is older than
    allauth's reauthentication window (ACCOUNT_REAUTHENTICATION_TIMEOUT, five minutes by default)."""
    records = get_authentication_records(request, request.user)
    last = max((record["at"] for record in records), default=0)
    return time.time() - last >= allauth_settings.REAUTHENTICATION_TIMEOUT


# Money leaves through these forms, so a stolen or forgotten session must not be enough: a POST from a session
# not authenticated within the window is sent to allauth's "confirm your password" page, and allauth replays
# the POST once the password is typed. GETs (the pages themselves) pass.
recent_authentication_required = reauthentication_required(allow_get=True, enabled=_signed_in_long_ago)


def _form_error(form, exc):
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


# --- balance and statement --------------------------------------------------------------------------------


@login_required
@require_safe
def balance(request):
    return _balance_page(request)


def _balance_page(request, promo_form=None):
    user = request.user
    balance = selectors.balance_of(user)
    accounts = selectors.statement_accounts(user)
    return render(
        request,
        "payments/balance.html",
        {
            "balance": balance,
            "availability": _availability(user, balance),
            "statement": selectors.statement_page(user=user, cursor=request.GET.get("cursor"), accounts=accounts),
            "csv_direct": selectors.statement_size_at_most(
                user, rules.STATEMENT_CSV_DIRECT_MAX_ROWS, accounts=accounts
            ),
            "export": exports.status_of(user),
            "promo_form": promo_form or PromoForm(),
        },
    )


def _availability(user, balance, *, details=None, email_confirmed=None):
    if details is None:
        details = selectors.payout_details_current(user)
    if email_confirmed is None:
        email_confirmed = account_selectors.has_confirmed_email(user)
    return selectors.withdrawal_availability(user, balance, details=details, email_confirmed=email_confirmed)


@login_required
@require_safe
def statement_csv(request):
    """A short statement downloads at once; a long one would hold this worker for seconds to minutes, so it
    is sent to the file the balance page prepares in the background."""
    if not selectors.statement_size_at_most(request.user, rules.STATEMENT_CSV_DIRECT_MAX_ROWS):
        messages.info(
            request, "Your statement is long: prepare it as a file below, and download it when it is ready."
        )
        return redirect(reverse("payments:balance") + "#statement-file")
    return csv_streaming_response(selectors.statement_csv_rows(user=request.user), filename="gigly-statement.csv")


@login_required
@ratelimit("statement_export", rate=rules.RATE_STATEMENT_EXPORT)
def statement_export(request):
    """The statement as a file built by a Celery task: POST asks for it, GET (polled by htmx while it is
    being prepared) says how it is going."""
    if request.method == "POST":
        exports.start(request.user)
        if not request.htmx:
            return redirect(reverse("payments:balance") + "#statement-file")
    elif request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    return render(request, "payments/partials/statement_export.html", {"export": exports.status_of(request.user)})


@login_required
@require_safe
def statement_export_download(request, token):
    """The owner's prepared file. The stored name is built from the person asking, so nobody else's file
    can be named (another person's link is a 404 for everyone but its owner, staff included)."""
    return file_response(exports.file_of(request.user, token), filename="gigly-statement.csv")


@login_required
@require_POST
@ratelimit("promo", rate=rules.RATE_PROMO)
def promo_redeem(request):
    form = PromoForm(request.POST)
    if form.is_valid():
        try:
            redemption = services.promo_redeem(user=request.user, code=form.cleaned_data["code"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{format_cents(redemption.code.amount_cents)} added to your bonus balance.")
            return redirect("payments:balance")
    return _balance_page(request, promo_form=form)


# --- adding funds (P1, O1) --------------------------------------------------------------------------------


def _initial_amount(request):
    try:
        cents = int(request.GET.get("amount_cents", ""))
    except ValueError:
        return None
    return f"{max(cents, rules.TOPUP_MIN_CENTS) / 100:.2f}" if cents > 0 else None


@login_required
@ratelimit("topup", rate=rules.RATE_TOPUP)
def topup(request):
    """The "Add funds" page: Stripe Checkout, or the test-mode form when that is switched on."""
    next_url = next_from(request)
    if request.method == "POST":
        form = TopUpForm(request.POST)
        if form.is_valid():
            try:
                _, url = services.topup_checkout_start(
                    user=request.user,
                    amount_cents=form.cleaned_data["amount"],
                    next_url=next_url,
                    build_url=request.build_absolute_uri,
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                return redirect(url)
    else:
        form = TopUpForm(initial={"amount": _initial_amount(request), "next": next_url})
    return render(
        request,
        "payments/topup.html",
        {
            "form": form,
            "next_url": next_url,
            "stripe_enabled": rules.stripe_enabled(),
            "test_mode": rules.test_topup_enabled(),
            "balance": selectors.balance_of(request.user),
            "cancelled": request.GET.get("cancelled"),
        },
    )


@login_required
@ratelimit("topup", rate=rules.RATE_TOPUP)
def topup_test(request):
    """P1 test mode: does not exist (404) unless rules.test_topup_enabled()."""
    if not rules.test_topup_enabled():
        raise Http404("No test-mode top-ups here.")
    if request.method != "POST":
        return redirect("payments:topup")
    form = TopUpForm(request.POST)
    next_url = next_from(request)
    if form.is_valid():
        try:
            topup = services.topup_test_credit(user=request.user, amount_cents=form.cleaned_data["amount"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Test mode: {format_cents(topup.amount_cents)} added to your balance.")
            return redirect_back(request, reverse("payments:balance"))
    return render(
        request,
        "payments/topup.html",
        {
            "form": form,
            "next_url": next_url,
            "stripe_enabled": rules.stripe_enabled(),
            "test_mode": True,
            "balance": selectors.balance_of(request.user),
        },
    )


@login_required
@require_safe
def topup_return(request, pk):
    """Back from Stripe: the money is credited by the webhook; until then this page waits (and polls)."""
    topup = selectors.topup_get_for(user=request.user, pk=pk)
    if topup.status == topup.Status.CREDITED:
        messages.success(request, f"{format_cents(topup.amount_cents)} added to your balance.")
        target = topup.next_url or reverse("payments:balance")
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    template = "payments/partials/topup_wait.html" if request.htmx else "payments/topup_return.html"
    return render(request, template, {"topup": topup})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """P1: Stripe's signed events. A bad signature, a stale timestamp or a broken body is a 400."""
    try:
        outcome = services.stripe_webhook_handle(
            payload=request.body, signature=request.META.get("HTTP_STRIPE_SIGNATURE", "")
        )
    except services.WebhookRejected as exc:
        logger.warning("Stripe webhook rejected: %s", exc)
        return HttpResponseBadRequest("invalid webhook")
    return HttpResponse(outcome, content_type="text/plain")


# --- withdrawals (P4–P6) ----------------------------------------------------------------------------------


def _withdraw_context(request, *, form=None, details_form=None):
    user = request.user
    cards = selectors.topup_cards(user)
    bal = selectors.balance_of(user)
    details = selectors.payout_details_current(user)
    email_confirmed = account_selectors.has_confirmed_email(user)
    return {
        "form": form or WithdrawalForm(),
        "details_form": details_form or PayoutDetailsForm(cards=cards),
        "balance": bal,
        "availability": _availability(user, bal, details=details, email_confirmed=email_confirmed),
        "details": details,
        "card_money_on": selectors.card_money_available_on(user),
        "recent_card_cents": selectors.recent_card_money_cents(user),
        "min_cents": rules.withdrawal_min_cents(),
        "fee_percent": rules.card_fee_percent(),
        "withdrawals": selectors.withdrawals_for(user=user)[: rules.WITHDRAWALS_SHOWN],
        "email_confirmed": email_confirmed,
    }


@login_required
@recent_authentication_required
@ratelimit("withdraw", rate=rules.RATE_WITHDRAW)
def withdraw(request):
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            withdrawal = services.withdrawal_request(user=request.user, amount_cents=form.cleaned_data["amount"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                f"Withdrawal of {format_cents(withdrawal.amount_cents)} requested: you will receive "
                f"{format_cents(withdrawal.payout_cents)} after review.",
            )
            return redirect("payments:withdraw")
    return render(request, "payments/withdraw.html", _withdraw_context(request, form=form))


@login_required
@require_safe
def withdraw_quote(request):
    """The fee and the amount received, as the person types (htmx)."""
    form = WithdrawalForm(request.GET)
    quote = None
    if form.is_valid():
        amount = form.cleaned_data["amount"]
        fee, payout = selectors.withdrawal_quote(amount)
        quote = {
            "amount": amount,
            "fee": fee,
            "payout": payout,
            "below_min": amount < rules.withdrawal_min_cents(),
        }
    return render(
        request,
        "payments/partials/withdraw_quote.html",
        {
            "quote": quote,
            "min_cents": rules.withdrawal_min_cents(),
            "fee_percent": rules.card_fee_percent(),
            "balance": selectors.balance_of(request.user),
        },
    )


@login_required
@require_POST
@recent_authentication_required
@ratelimit("payout_details", rate=rules.RATE_PAYOUT_DETAILS)
def payout_details(request):
    cards = selectors.topup_cards(request.user)
    details_form = PayoutDetailsForm(request.POST, cards=cards)
    if details_form.is_valid():
        try:
            services.payout_details_save(user=request.user, **details_form.cleaned_data)
        except DomainError as exc:
            _form_error(details_form, exc)
        else:
            messages.success(
                request,
                "Payout card saved. For your safety, withdrawals are locked for "
                f"{account_rules.SENSITIVE_CHANGE_LOCK_DAYS} days.",
            )
            return redirect("payments:withdraw")
    return render(request, "payments/withdraw.html", _withdraw_context(request, details_form=details_form))


# --- referrals (P7) ---------------------------------------------------------------------------------------


@require_safe
def referral_link(request, username):
    """P7: the partner link. Remembers the partner for the sign-up that may follow."""
    partner = get_object_or_404(get_user_model(), username__iexact=username, is_active=True)
    if not request.user.is_authenticated:
        request.session[rules.REFERRAL_SESSION_KEY] = partner.pk
        return redirect("account_signup")
    return redirect("marketplace:home")


@login_required
@require_safe
def referrals(request):
    commissions = Paginator(
        selectors.referral_commissions_of(partner=request.user), rules.REFERRAL_COMMISSIONS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/referrals.html",
        {
            "link": request.build_absolute_uri(reverse("payments:referral_link", args=[request.user.username])),
            "referrals": selectors.referrals_of(partner=request.user),
            "commissions": commissions,
            "sale_percent": rules.REFERRAL_SALE_BASIS_POINTS / 100,
            "purchase_percent": rules.REFERRAL_PURCHASE_BASIS_POINTS / 100,
            "activation_days": rules.REFERRAL_ACTIVATION_DAYS,
            "inactive_days": rules.REFERRAL_INACTIVE_ATTACHED_DAYS,
        },
    )


# --- back office (P4) -------------------------------------------------------------------------------------


@support_required
@require_safe
def backoffice_withdrawals(request):
    context = status_queue(
        request,
        statuses=Withdrawal.Status.choices,
        default=Withdrawal.Status.REQUESTED,
        rows=lambda status: selectors.withdrawals_for_review(status=status),
        page_size=rules.BACKOFFICE_PAGE_SIZE,
    )
    context.update(batches=selectors.payout_batches()[: rules.PAYOUT_BATCHES_SHOWN], reject_form=RejectForm())
    return render(request, "payments/backoffice_withdrawals.html", context)


@support_required
@require_POST
def backoffice_withdrawal_decide(request, pk):
    withdrawal = get_object_or_404(Withdrawal, pk=pk)

    def decision():
        if request.POST.get("decision") == "approve":
            services.withdrawal_approve(withdrawal=withdrawal, staff_user=request.user)
            return f"Withdrawal #{pk} approved; it will be paid with the next batch."
        services.withdrawal_reject(
            withdrawal=withdrawal, staff_user=request.user, reason=request.POST.get("reason", "")
        )
        return f"Withdrawal #{pk} rejected; the money is back on the user's balance."

    return decide(request, decision, queue="payments:backoffice_withdrawals")


@support_required
@require_safe
def backoffice_batch_csv(request, pk):
    batch = get_object_or_404(selectors.payout_batches(), pk=pk)
    return csv_response(selectors.payout_batch_csv_rows(batch), filename=f"payout-batch-{batch.pk}.csv")
