"""The buyer requests pages (Q1–Q4). Thin: parse a form, call one service, render the page (or the list
partial for htmx). A DomainError's message is shown as is; a request the user may not see is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors as account_selectors
from common.errors import DomainError
from common.ratelimit import ratelimit
from marketplace.models import Category
from offers.forms import OfferForm as IndividualOfferForm
from payments.forms import DollarsField
from payments.services import InsufficientFunds, topup_url

from . import rules, selectors, services
from .forms import OfferForm, RequestForm, SubscriptionsForm
from .models import RequestOffer

INDIVIDUAL_PREFIX = "custom"


def _add_errors(form, exc):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- the sellers' list (Q2) ------------------------------------------------------------------------------


def _budget(value):
    try:
        return DollarsField(required=False).clean(value)
    except ValidationError:  # a mistyped filter is ignored, not an error page
        return None


@login_required
@require_safe
def browse(request):
    """Q2: "Requests from buyers", filtered by category and budget, with the number of offers of each."""
    categories = selectors.categories_for_settings()
    slug = request.GET.get("category") or ""
    category = Category.objects.filter(slug=slug).first() if slug else None
    budget_min = _budget(request.GET.get("budget_min"))
    budget_max = _budget(request.GET.get("budget_max"))
    qs = selectors.requests_open(
        seller=request.user, category=category, budget_min_cents=budget_min, budget_max_cents=budget_max
    )
    page = Paginator(qs, rules.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": list(page.object_list),
        "categories": categories,
        "category": category,
        "budget_min": request.GET.get("budget_min", ""),
        "budget_max": request.GET.get("budget_max", ""),
        "subscribed": bool(selectors.subscribed_category_ids(seller=request.user)),
    }
    if request.htmx:
        return render(request, "buyer_requests/partials/browse_rows.html", context)
    return render(request, "buyer_requests/browse.html", context)


# --- the buyer's requests (Q1) ---------------------------------------------------------------------------


@login_required
@require_safe
def mine(request):
    page = Paginator(selectors.requests_of_buyer(buyer=request.user), rules.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "buyer_requests/mine.html", {"page": page, "rows": list(page.object_list)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("requests_post", rate=rules.RATE_POST)
def new(request):
    """Q1/A4: post a request; it waits for a moderator."""
    confirmed = account_selectors.has_confirmed_email(request.user)
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.request_create(
                    buyer=request.user,
                    title=data["title"],
                    description=data["description"],
                    subcategory=data["subcategory"],
                    budget_cents=data["budget"],
                    files=data["files"],
                )
            except DomainError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, "Your request is posted. A moderator checks it; then sellers can send offers."
                )
                return redirect(created)
    else:
        form = RequestForm()
    return render(
        request,
        "buyer_requests/new.html",
        {"form": form, "confirmed": confirmed},
        status=400 if request.method == "POST" else 200,
    )


# --- one request (Q1, Q3, Q4) ----------------------------------------------------------------------------


def _detail_context(request, obj, *, offer_form=None, individual_form=None):
    user = request.user
    context = {"req": obj, "is_buyer": obj.buyer_id == user.pk, "is_open": obj.is_open()}
    if context["is_buyer"]:
        offers = selectors.offers_for_buyer(request=obj)
        context["offers"] = [{"offer": offer, "card": selectors.seller_card(offer.seller)} for offer in offers]
        return context
    mine_offer = selectors.offer_of_seller(request=obj, seller=user)
    context["my_offer"] = mine_offer
    refusal = services.offer_refusal(request=obj, seller=user)
    context["offer_refusal"] = refusal if mine_offer is None else None
    if refusal is None:
        individual_allowed = services.may_offer_individually(user)
        kworks = selectors.seller_kworks_for(seller=user, request=obj)
        context["kworks"] = kworks
        context["individual_allowed"] = individual_allowed
        context["offer_form"] = offer_form or OfferForm(
            kworks=_queryset_of(kworks), individual_allowed=individual_allowed
        )
        if individual_allowed:
            context["individual_form"] = individual_form or IndividualOfferForm(
                prefix=INDIVIDUAL_PREFIX, kworks=_queryset_of(selectors.seller_active_kworks(seller=user))
            )
    return context


def _form_for_field(field, form, individual_form):
    """The individual offer's own fields (offers' form names the price "price") show their errors there."""
    if individual_form is not None and field in individual_form.fields and field not in ("message",):
        return individual_form
    return form


def _queryset_of(kworks):
    from marketplace.models import Kwork

    return Kwork.objects.filter(pk__in=[kwork.pk for kwork in kworks]).order_by("title", "pk")


@login_required
@require_safe
def detail(request, pk):
    obj = selectors.request_get_for(user=request.user, pk=pk)
    return render(request, "buyer_requests/detail.html", _detail_context(request, obj))


@login_required
@require_POST
def close(request, pk):
    obj = selectors.request_get_for(user=request.user, pk=pk)
    try:
        services.request_close(request=obj, buyer=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Your request is closed. You can still order the offers you received.")
    return redirect(obj)


@login_required
@require_POST
@ratelimit("requests_offer", rate=rules.RATE_OFFER)
def offer(request, pk):
    """Q3: a seller answers the request with a Kwork or (Advanced, Professional) an individual offer."""
    obj = selectors.request_get_for(user=request.user, pk=pk)
    individual_allowed = services.may_offer_individually(request.user)
    kworks = selectors.seller_kworks_for(seller=request.user, request=obj)
    form = OfferForm(request.POST, kworks=_queryset_of(kworks), individual_allowed=individual_allowed)
    individual_form = None
    wants_individual = request.POST.get("kind") == OfferForm.KIND_INDIVIDUAL
    if wants_individual and individual_allowed:
        individual_form = IndividualOfferForm(
            request.POST,
            prefix=INDIVIDUAL_PREFIX,
            kworks=_queryset_of(selectors.seller_active_kworks(seller=request.user)),
        )
    if form.is_valid() and (individual_form is None or individual_form.is_valid()):
        data = form.cleaned_data
        individual = None
        if wants_individual:
            if individual_form is None:
                individual = {}  # a Newbie asking anyway: the service refuses with its message
            else:
                extra = individual_form.cleaned_data
                individual = {
                    "kwork": extra["kwork"],
                    "title": extra["title"],
                    "description": extra["description"],
                    "price_cents": extra["price"],
                    "lead_time_days": extra["lead_time_days"],
                    "expires_in_days": extra["expires_in_days"],
                }
        try:
            services.request_offer_create(
                request=obj,
                seller=request.user,
                message=data["message"],
                kwork=None if wants_individual else data["kwork"],
                individual=individual,
            )
        except DomainError as exc:
            if exc.field is None:  # about the request itself (closed, answered already): the page says so
                messages.error(request, exc.message)
                return redirect(obj)
            _add_errors(_form_for_field(exc.field, form, individual_form), exc)
        else:
            messages.success(request, "Your offer is sent. The buyer sees it with your seller card.")
            return redirect(obj)
    context = _detail_context(request, obj, offer_form=form, individual_form=individual_form)
    return render(request, "buyer_requests/detail.html", context, status=400)


@login_required
@require_POST
@ratelimit("requests_order", rate=rules.RATE_ORDER)
def order_offer(request, pk):
    """Q4/O1: the buyer orders an offer; too little money sends them to add exactly the missing amount and back
    to the request, where one click orders it."""
    offer_row = get_object_or_404(RequestOffer.objects.select_related("request"), pk=pk)
    obj = selectors.request_get_for(user=request.user, pk=offer_row.request_id)
    if obj.buyer_id != request.user.pk:
        raise Http404("No such offer.")
    already = offer_row.order_id is not None
    try:
        order = services.request_offer_order(offer=offer_row, buyer=request.user)
    except InsufficientFunds as exc:
        messages.warning(request, exc.message)
        return redirect(topup_url(amount_cents=exc.missing_cents, next_url=obj.get_absolute_url()))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(obj)
    if already:
        messages.info(request, "You have already ordered this offer.")
    else:
        messages.success(
            request, "Your order is placed and paid: the money is held in escrow until you accept the work."
        )
    return redirect(order)


# --- the seller's category alerts (Q2) -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def subscriptions(request):
    chosen = selectors.subscribed_category_ids(seller=request.user)
    if request.method == "POST":
        form = SubscriptionsForm(request.POST)
        if form.is_valid():
            services.subscriptions_set(seller=request.user, categories=form.cleaned_data["categories"])
            messages.success(request, "Saved. New requests in these categories come in one digest at a time.")
            return redirect("buyer_requests:subscriptions")
    else:
        form = SubscriptionsForm(initial={"categories": sorted(chosen)})
    return render(
        request,
        "buyer_requests/subscriptions.html",
        {
            "form": form,
            "categories": selectors.categories_for_settings(),
            "chosen": chosen,
        },
    )
