"""The offer pages (C15): the seller's form in a conversation, the offer itself for its two parties (accept,
withdraw), the list of one's offers, and the buyer's "ask for an individual offer". Thin: parse, call one
service, redirect; a DomainError's message is shown as is; another person's offer is a 404."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.errors import DomainError
from common.ratelimit import ratelimit
from marketplace.models import Kwork
from payments.services import InsufficientFunds, topup_url

from . import rules, selectors, services, threads
from .forms import AskForm, OfferForm

PAGE_SIZE = 20


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit("offers_create", rate=rules.RATE_CREATE)
def create(request, conversation_pk):
    """The seller's offer form inside their conversation with a buyer."""
    conversation = threads.conversation_for_seller(seller=request.user, pk=conversation_pk)
    refusal = services.offer_refusal_for(request.user)
    kworks = selectors.kworks_for_offer(seller=request.user)
    form = OfferForm(request.POST or None, kworks=kworks)
    if request.method == "POST" and not refusal and form.is_valid():
        data = form.cleaned_data
        try:
            services.offer_create(
                seller=request.user,
                buyer=conversation.buyer,
                kwork=data["kwork"],
                title=data["title"],
                description=data["description"],
                price_cents=data["price"],
                lead_time_days=data["lead_time_days"],
                expires_in_days=data["expires_in_days"],
                conversation=conversation,
            )
        except DomainError as exc:
            if exc.field == "price":
                form.add_error("price", exc.message)
            elif exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                form.add_error(None, exc.message)
        else:
            messages.success(request, "Your offer is sent. The buyer sees it in your conversation.")
            return redirect(threads.thread_url(conversation.pk))
    elif request.method == "POST" and refusal:
        messages.error(request, refusal)
    return render(
        request,
        "offers/create.html",
        {
            "conversation": conversation,
            "form": form,
            "refusal": refusal,
            "has_kworks": kworks.exists() if not refusal else False,
            "thread_url": threads.thread_url(conversation.pk),
        },
        status=200 if not form.errors else 400,
    )


@login_required
@require_safe
def detail(request, pk):
    offer = selectors.offer_get_for(user=request.user, pk=pk)
    return render(request, "offers/detail.html", {"offer": offer})


@login_required
@require_safe
def index(request):
    page = Paginator(selectors.offers_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "offers/list.html", {"page": page, "offers": page.object_list})


def _back(request, offer):
    """Back to where the buttons were: the thread when the offer is in one, else the offer's page."""
    if offer.conversation_id:
        return threads.thread_url(offer.conversation_id)
    return offer.get_absolute_url()


@login_required
@require_POST
@ratelimit("offers_act", rate=rules.RATE_ACT)
def accept(request, pk):
    """C15/O1: the buyer accepts: the order is placed and paid. Too little money: add exactly the missing amount,
    then back to the offer, where one click accepts it."""
    offer = selectors.offer_get_for(user=request.user, pk=pk)
    try:
        order = services.offer_accept(offer=offer, buyer=request.user)
    except InsufficientFunds as exc:
        messages.warning(request, exc.message)
        return redirect(topup_url(amount_cents=exc.missing_cents, next_url=offer.get_absolute_url()))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request, offer))
    messages.success(
        request,
        "The offer is accepted and your order is paid: the money is held in escrow until you accept the work.",
    )
    return redirect(order)


@login_required
@require_POST
@ratelimit("offers_act", rate=rules.RATE_ACT)
def withdraw(request, pk):
    offer = selectors.offer_get_for(user=request.user, pk=pk)
    try:
        services.offer_withdraw(offer=offer, seller=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The offer is withdrawn.")
    return redirect(_back(request, offer))


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit("offers_ask", rate=rules.RATE_ASK)
def ask(request, username):
    """The buyer asks a seller for an individual offer: a prefilled message that opens (or joins) their
    conversation."""
    seller = get_object_or_404(get_user_model(), username=username, is_active=True)
    title = (
        Kwork.objects.filter(seller=seller, status=Kwork.Status.ACTIVE)
        .order_by("-pk")
        .values_list("title", flat=True)
        .first()
    )
    form = AskForm(request.POST or None, initial={"text": services.ask_text(title)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                message = services.offer_ask(buyer=request.user, seller=seller, text=form.cleaned_data["text"])
            except DomainError as exc:
                form.add_error("text", exc.message)
            else:
                messages.success(request, "Your request is sent. The seller answers in your conversation.")
                return redirect(threads.thread_url(message.conversation_id))
    return render(request, "offers/ask.html", {"seller": seller, "form": form}, status=status)
