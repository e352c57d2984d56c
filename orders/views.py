"""The order pages (O1–O10, O13, O14, M3, M5). Thin: parse a form, call one service, render the page or the htmx
partial. A DomainError's message is shown to the user as is; another person's order is a 404 (selectors)."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from common import dates
from common.errors import DomainError
from common.ratelimit import ratelimit
from payments.services import InsufficientFunds, topup_url

from . import rules, selectors, services, ui_helpers
from .forms import CancelForm, DeliveryForm, MessageForm, RequirementsForm, RevisionForm
from .links import order_url
from .models import CancellationRequest

# --- placing orders (O1, O13) ------------------------------------------------------------------------------


def _login_then(page):
    """login_required for a POST-only action: an anonymous visitor logs in and comes back to `page(request,
    **kwargs)` — a page they can GET, with the same choice — not to the action's URL (a GET there is a 405)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(page(request, *args, **kwargs))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _order_page(request, pk, **kwargs):
    return order_url(pk)


def _kwork_page(request, kwork_pk):
    """The Kwork page with the choice the visitor made (so after logging in one click orders it)."""
    return _kwork_url_with(kwork_pk, _choice_from(request))


def _choice_from(request):
    """The buyer's choice as the Kwork page sends it: quantity, options (repeated ids), package (pk)."""
    data = request.POST if request.method == "POST" else request.GET
    return {
        "quantity": data.get("quantity") or 1,
        "option_ids": [value for value in data.getlist("options") if value],
        "package": data.get("package") or None,
    }


def _kwork_url_with(kwork_pk, choice):
    """The Kwork page with the same choice in the query string (the page pre-fills its order form from it)."""
    params = [("quantity", choice["quantity"])]
    params += [("options", option_id) for option_id in choice["option_ids"]]
    if choice["package"]:
        params.append(("package", choice["package"]))
    return f"{reverse('marketplace:kwork', args=[kwork_pk])}?{urlencode(params)}"


@_login_then(_kwork_page)
@require_POST
@ratelimit("orders_place", rate=rules.RATE_PLACE)
def place(request, kwork_pk):
    """O1: pay from the balance at once. Too little money: "Add funds" with exactly the missing amount, then back
    to the Kwork page with the same choice, where one click on "Order now" places the order."""
    kwork = selectors.kwork_to_order(pk=kwork_pk)
    choice = _choice_from(request)
    try:
        order = services.order_place(
            buyer=request.user, kwork=kwork, idempotency_key=request.POST.get("order_key", ""), **choice
        )
    except InsufficientFunds as exc:
        messages.warning(request, exc.message)
        return redirect(topup_url(amount_cents=exc.missing_cents, next_url=_kwork_url_with(kwork.pk, choice)))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_kwork_url_with(kwork.pk, choice))
    messages.success(
        request, "Your order is placed and paid: the money is held in escrow until you accept the work."
    )
    return redirect(order)


@_login_then(lambda request: reverse("marketplace:cart"))
@require_POST
@ratelimit("orders_place", rate=rules.RATE_PLACE)
def cart_checkout(request):
    """O13: one order per cart item, all or nothing."""
    item_ids = [value for value in request.POST.getlist("items") if value] or None
    try:
        orders = services.cart_checkout(buyer=request.user, item_ids=item_ids)
    except InsufficientFunds as exc:
        messages.warning(request, exc.message)
        return redirect(topup_url(amount_cents=exc.missing_cents, next_url=reverse("marketplace:cart")))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("marketplace:cart")
    if len(orders) == 1:
        messages.success(request, "Your order is placed and paid: the money is held in escrow.")
        return redirect(orders[0])
    messages.success(request, f"{len(orders)} orders are placed and paid: the money is held in escrow.")
    return redirect("orders:buyer_list")


# --- manage orders --------------------------------------------------------------------------------------


@login_required
@require_safe
def index(request):
    return redirect("orders:seller_list" if request.user.mode == "seller" else "orders:buyer_list")


def _order_list(request, role):
    state = request.GET.get("state", selectors.DEFAULT_FILTER)
    if state not in selectors.STATE_FILTERS:
        state = selectors.DEFAULT_FILTER
    before, after = _id_param(request, "before"), _id_param(request, "after")
    page = selectors.orders_page(
        user=request.user, role=role, state_filter=state, before=before, after=None if before else after
    )
    rows = [ui_helpers.list_row(order, role) for order in page.rows]
    return render(
        request,
        "orders/list.html",
        {
            "role": role,
            "heading": "My orders" if role == rules.BUYER else "Orders to do",
            "state": state,
            "tabs": ui_helpers.state_tabs(selectors.state_counts(user=request.user, role=role)),
            "action": selectors.action_counts(user=request.user, role=role),
            "page": page,
            "rows": rows,
            "query_string": urlencode({"state": state}),
        },
    )


@login_required
@require_safe
def buyer_list(request):
    return _order_list(request, rules.BUYER)


@login_required
@require_safe
def seller_list(request):
    return _order_list(request, rules.SELLER)


# --- the order page ---------------------------------------------------------------------------------------


def _order_for(request, pk):
    return selectors.order_get_for(user=request.user, pk=pk)


def _id_param(request, name):
    """A keyset id from the query string: a positive integer, else None (a malformed one shows the latest page)."""
    return _positive_int(request.GET.get(name, ""))


def _positive_int(value):
    """`value` as an id if it is one (ASCII digits, 1 … 2**63 - 1), else None. isdigit() alone lets "²" through,
    which int() refuses."""
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2**63 else None


def _form(forms, name, form_class, usable):
    """The form given back with its errors, else a blank one if the person can use it now, else None."""
    return forms.get(name) or (form_class() if usable else None)


def _detail_context(request, order, **forms):
    user = request.user
    role = order.party_of(user)
    pending = selectors.pending_cancellation(order)
    reasons = selectors.cancellation_reasons_for(order=order, user=user, pending=pending)
    actions = ui_helpers.page_actions(order=order, user=user, reasons=reasons, pending=pending)
    choosable = [reason for reason in reasons if reason.code != actions.overdue_reason]
    cancel_form = forms.get("cancel_form")
    if cancel_form is None and choosable:
        cancel_form = CancelForm(reasons=choosable)
    return {
        "order": order,
        "role": role,
        "lines": selectors.order_lines(order),
        "instructions": "" if order.requirements_sent_at else selectors.kwork_instructions(order),
        # The growing sections are drawn a bounded page at a time (latest first, earlier pages on request).
        "events": selectors.timeline_page(order, before=_id_param(request, "history_before")),
        "deliveries": selectors.deliveries_page(order, before=_id_param(request, "deliveries_before")),
        "chat": selectors.chat_page(order, before=_id_param(request, "before")),
        "pending_request": pending,
        "page_version": ui_helpers.page_version(order, pending),
        "cancel_form": cancel_form,
        "reason_rows": ui_helpers.reason_rows(cancel_form, reasons),
        # Only the forms this person can use now are built (each deep-copies its fields).
        "requirements_form": _form(forms, "requirements_form", RequirementsForm, actions.can_send_requirements),
        "delivery_form": _form(forms, "delivery_form", DeliveryForm, actions.can_deliver),
        "revision_form": _form(forms, "revision_form", RevisionForm, actions.can_review),
        "message_form": _form(forms, "message_form", MessageForm, actions.can_message),
        "escrow_state": ui_helpers.escrow_state(order),
        "seller_share_cents": ui_helpers.seller_share_cents(order),
        "needs_action": bool(ui_helpers.needs_action(order, role, pending)),
        **vars(actions),
    }


def _render_detail(request, order, status=200, **forms):
    return render(request, "orders/detail.html", _detail_context(request, order, **forms), status=status)


@login_required
@require_safe
def detail(request, pk):
    return _render_detail(request, _order_for(request, pk))


def _done(request, order, text):
    messages.success(request, text)
    return redirect(order)


def _refused(request, order, exc):
    messages.error(request, exc.message)
    return redirect(order)


def _form_action(request, pk, *, form_class, form_name, call, success, files=False):
    """A POST with a form: invalid input or a refusal re-renders the page with the form, its input kept and the
    message next to it; success goes back to the page (PRG)."""
    order = _order_for(request, pk)
    form = form_class(request.POST, request.FILES if files else None)
    if form.is_valid():
        try:
            call(order, form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return _done(request, order, success)
    order = _order_for(request, pk)
    return _render_detail(request, order, status=400, **{form_name: form})


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def requirements(request, pk):
    return _form_action(
        request,
        pk,
        form_class=RequirementsForm,
        form_name="requirements_form",
        files=True,
        call=lambda order, data: services.order_requirements_send(
            order=order, buyer=request.user, text=data["text"], files=data["files"]
        ),
        success="Your requirements were sent to the seller.",
    )


def _plain_action(request, pk, *, call, success):
    """An action with no form: call the service, show its refusal as is, or the success message."""
    order = _order_for(request, pk)
    try:
        order = call(order)
    except DomainError as exc:
        return _refused(request, order, exc)
    return _done(request, order, success(order))


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def start(request, pk):
    return _plain_action(
        request,
        pk,
        call=lambda order: services.order_start(order=order, seller=request.user),
        success=lambda order: (
            f"Work started. The order is due {dates.format_datetime(order.due_at, show_zone=True)}."
        ),
    )


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def deliver(request, pk):
    return _form_action(
        request,
        pk,
        form_class=DeliveryForm,
        form_name="delivery_form",
        files=True,
        call=lambda order, data: services.order_deliver(
            order=order, seller=request.user, message=data["message"], files=data["files"]
        ),
        success=f"Delivered. The buyer has {rules.REVIEW_DAYS} days to accept the work or ask for a revision.",
    )


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def accept(request, pk):
    """O6 with C14's required yes/no: may the seller show the result in their portfolio."""
    consent = {"yes": True, "no": False}.get(request.POST.get("portfolio_consent"))
    return _plain_action(
        request,
        pk,
        call=lambda order: services.order_accept_with_portfolio_choice(
            order=order, buyer=request.user, portfolio_consent=consent
        ),
        success=lambda order: "Thank you! The order is completed and the seller has been paid.",
    )


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def revision(request, pk):
    return _form_action(
        request,
        pk,
        form_class=RevisionForm,
        form_name="revision_form",
        call=lambda order, data: services.order_request_revision(
            order=order, buyer=request.user, reason=data["reason"]
        ),
        success="The order went back to the seller for a revision.",
    )


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def cancel_quick(request, pk):
    return _plain_action(
        request,
        pk,
        call=lambda order: services.order_cancel_quick(order=order, buyer=request.user),
        success=lambda order: "The order is cancelled and the money is back on your balance.",
    )


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def cancel(request, pk):
    """O5/O9/O10: a reason offered to this person now; immediate reasons cancel at once, others ask the other
    side (or cancel at once when the order is overdue)."""
    order = _order_for(request, pk)
    reasons = list(selectors.cancellation_reasons_for(order=order, user=request.user))
    form = CancelForm(request.POST, reasons=reasons)
    if form.is_valid():
        try:
            result = services.cancellation_request_create(
                order=order,
                user=request.user,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if isinstance(result, CancellationRequest):
                other = "seller" if result.side == rules.BUYER else "buyer"
                text = (
                    f"Your cancellation request was sent. The {other} has {rules.RESPOND_DAYS} days to answer; "
                    "without an answer the order is cancelled automatically."
                )
            else:
                text = "The order is cancelled. The money went back to the buyer's balance."
            return _done(request, order, text)
    elif not reasons:
        messages.error(request, "This order cannot be cancelled by you now.")
        return redirect(order)
    return _render_detail(request, _order_for(request, pk), status=400, cancel_form=form)


@_login_then(_order_page)
@require_POST
@ratelimit("orders_action", rate=rules.RATE_ACTION)
def cancellation_answer(request, pk, request_pk):
    order = _order_for(request, pk)
    cancellation = selectors.cancellation_request_get(order=order, pk=request_pk)
    answer = request.POST.get("answer")
    try:
        if answer == "withdraw":
            services.cancellation_request_withdraw(request=cancellation, user=request.user)
            text = "Your cancellation request was withdrawn; the order goes on."
        elif answer in ("accept", "decline"):
            services.cancellation_request_answer(
                request=cancellation, user=request.user, accept=answer == "accept"
            )
            text = (
                "You agreed: the order is cancelled and the buyer's money was refunded."
                if answer == "accept"
                else "You declined the cancellation; the order goes on."
            )
        else:
            raise DomainError("Choose to agree, decline or withdraw.")
    except DomainError as exc:
        return _refused(request, order, exc)
    return _done(request, order, text)


# --- the chat (M1, M3, M5): htmx without a reload, a plain form without JavaScript ------------------------


def _chat_context(request, order, form=None):
    pending = selectors.pending_cancellation(order)
    return {
        "order": order,
        "page_version": ui_helpers.page_version(order, pending),
        "role": order.party_of(request.user),
        "chat": selectors.chat_page(order),
        "message_form": form or MessageForm(),
        "can_message": ui_helpers.page_actions(order=order, user=request.user, pending=pending).can_message,
    }


def _bad_request(text):
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


@login_required
@require_safe
def messages_panel(request, pk):
    """The chat's htmx requests; without htmx, the order page at its chat (at the same earlier page).

    - `?before=<id>`: the page of messages before that id, drawn above the ones shown ("Show earlier messages").
    - `?after=<id>&v=<page version>`: the refresh every CHAT_REFRESH_SECONDS. When the order itself changed since
      the page was drawn, htmx reloads the whole page; when nothing was written since `after` the answer is
      204 No Content after one query and no rendering (htmx keeps the page as it is); otherwise only the new
      messages are appended."""
    if not request.htmx:
        order = _order_for(request, pk)
        before = _id_param(request, "before")
        return redirect(
            order_url(order.pk, anchor="chat") if before is None else _page_at(order, "before", before)
        )
    if "before" in request.GET:
        before = _id_param(request, "before")
        if before is None:
            return _bad_request("The message to load earlier ones from is not valid.")
        order = _order_for(request, pk)
        context = {"order": order, "chat": selectors.chat_page(order, before=before), "earlier": True}
        return render(request, "orders/partials/chat_earlier.html", context)
    after = request.GET.get("after", "")
    after = 0 if after == "0" else _positive_int(after)
    if after is None:
        return _bad_request("The last message this page has is not valid.")
    poll = selectors.chat_poll(user=request.user, pk=pk, after=after)
    seen = request.GET.get("v")
    if seen and seen != ui_helpers.version_of(poll.status, poll.pending_pk):
        response = HttpResponse(status=200)
        response["HX-Refresh"] = "true"
        return response
    if not poll.has_new:
        return HttpResponse(status=204)
    order = _order_for(request, pk)
    new = selectors.chat_after(order, after=after)
    version = ui_helpers.version_of(poll.status, poll.pending_pk)
    context = {
        "order": order,
        "new_messages": new,
        "last_id": new[-1].pk if new else after,
        "page_version": version,
    }
    return render(request, "orders/partials/chat_refresh.html", context)


def _page_at(order, name, value, anchor="chat"):
    return f"{order_url(order.pk)}?{urlencode({name: value})}#{anchor}"


def _section_page(request, pk, *, name, key, anchor, read, template):
    """`Show earlier` of the deliveries and the history: with htmx the earlier page drawn in place, without it
    the order page at that page."""
    before = _id_param(request, "before")
    order = _order_for(request, pk)
    if before is None:
        if request.htmx:
            return _bad_request("The item to load earlier ones from is not valid.")
        return redirect(order_url(order.pk, anchor=anchor))
    if not request.htmx:
        return redirect(_page_at(order, name, before, anchor))
    return render(request, template, {"order": order, key: read(order, before=before), "earlier": True})


@login_required
@require_safe
def history_panel(request, pk):
    return _section_page(
        request,
        pk,
        name="history_before",
        key="events",
        anchor="history",
        read=selectors.timeline_page,
        template="orders/partials/timeline_items.html",
    )


@login_required
@require_safe
def deliveries_panel(request, pk):
    return _section_page(
        request,
        pk,
        name="deliveries_before",
        key="deliveries",
        anchor="deliveries",
        read=selectors.deliveries_page,
        template="orders/partials/delivery_items.html",
    )


@_login_then(_order_page)
@require_POST
@ratelimit("orders_message", rate=rules.RATE_MESSAGE)
def message_send(request, pk):
    order = _order_for(request, pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.order_message_send(
                order=order, author=request.user, text=form.cleaned_data["text"], files=form.cleaned_data["files"]
            )
        except DomainError as exc:
            form.add_error("text", exc.message)
        else:
            if request.htmx:
                return render(request, "orders/partials/chat.html", _chat_context(request, order))
            return redirect(order_url(order.pk, anchor="chat"))
    if request.htmx:
        return render(request, "orders/partials/chat.html", _chat_context(request, order, form))
    return _render_detail(request, order, status=400, message_form=form)
