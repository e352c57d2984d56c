"""The ratings pages (R1, R2, R7, R11): the order page's feedback, buyer-rating and response forms (htmx partial
swaps that also work as plain forms), the feedback lists' htmx refresh, and the seller's "Your level" page.
Thin: parse a form, call one service, render the partial or go back to the order page. Another person's order
is a 404 (orders.selectors.order_get_for)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from accounts import selectors as account_selectors
from common.errors import DomainError
from common.ratelimit import ratelimit
from marketplace import selectors as marketplace_selectors
from orders import selectors as order_selectors
from orders.links import order_url

from . import rules, selectors, services
from .forms import BuyerRatingForm, FeedbackForm, ResponseForm


def panel_context(*, order, user, **forms):
    """The context of templates/orders/partials/feedback.html (also used by {% order_feedback %})."""
    panel = selectors.order_feedback_panel(order=order, user=user)
    return {
        "order": order,
        "panel": panel,
        "feedback_form": forms.get("feedback_form") or FeedbackForm(),
        "rating_form": forms.get("rating_form") or BuyerRatingForm(),
        "response_form": forms.get("response_form") or ResponseForm(),
    }


def _form_shown(panel, form_name):
    return {
        "feedback_form": panel.can_leave_feedback,
        "rating_form": panel.can_rate_buyer,
        "response_form": panel.can_respond,
    }[form_name]


def _order_for(request, pk):
    return order_selectors.order_get_for(user=request.user, pk=pk)


def _order_form(request, pk, *, form_class, form_name, call, success):
    """GET: the form on a page of its own (what a link without JavaScript opens). POST: call the service; htmx
    gets the panel back (with the form and its errors when refused); a plain POST goes back to the order page,
    or shows the form page again with the input kept and the message next to the field."""
    if not request.user.is_authenticated:
        return redirect_to_login(order_url(pk))
    order = _order_for(request, pk)
    form = form_class(request.POST) if request.method == "POST" else form_class()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                call(order, form)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if request.htmx:
                    context = panel_context(order=order, user=request.user)
                    context["done"] = success
                    return render(request, "orders/partials/feedback.html", context)
                messages.success(request, success)
                return HttpResponseRedirect(order_url(order.pk, anchor="feedback"))
        status = 400
    context = panel_context(order=order, user=request.user, **{form_name: form})
    if form.errors and not _form_shown(context["panel"], form_name):
        # A refusal for a form this person is not offered (the seller posting feedback, say): said on its own.
        context["refused"] = [message for messages_ in form.errors.values() for message in messages_]
    if request.htmx:
        return render(request, "orders/partials/feedback.html", context, status=200 if status == 200 else 422)
    context["form_name"] = form_name
    return render(request, "ratings/order_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@ratelimit("ratings_write", rate=rules.RATE_WRITE)
def feedback_leave(request, pk):
    return _order_form(
        request,
        pk,
        form_class=FeedbackForm,
        form_name="feedback_form",
        call=lambda order, form: services.feedback_leave(
            order=order, buyer=request.user, is_positive=form.is_positive, text=form.cleaned_data["text"]
        ),
        success="Thank you! Your feedback is published on the seller's page and the Kwork.",
    )


@require_http_methods(["GET", "POST"])
@ratelimit("ratings_write", rate=rules.RATE_WRITE)
def buyer_rating_leave(request, pk):
    return _order_form(
        request,
        pk,
        form_class=BuyerRatingForm,
        form_name="rating_form",
        call=lambda order, form: services.buyer_rating_leave(
            order=order, seller=request.user, stars=form.cleaned_data["stars"]
        ),
        success="Thank you. Your rating of the buyer stays private.",
    )


def _respond(order, form, user):
    feedback = selectors.order_feedback_panel(order=order, user=user).feedback
    if feedback is None:
        raise DomainError("There is no feedback on this order to respond to.")
    services.feedback_response_submit(feedback=feedback, seller=user, text=form.cleaned_data["text"])


@require_http_methods(["GET", "POST"])
@ratelimit("ratings_write", rate=rules.RATE_WRITE)
def response_submit(request, pk):
    return _order_form(
        request,
        pk,
        form_class=ResponseForm,
        form_name="response_form",
        call=lambda order, form: _respond(order, form, request.user),
        success="Your response was sent. A moderator checks it before it is shown under the feedback.",
    )


# --- the feedback lists (htmx refresh of the filter and the pages) ----------------------------------------


def _list_or_page(request, page_url, template_context):
    """htmx: the list alone; otherwise the whole page, at the same filter and page."""
    if not request.htmx:
        query = request.GET.urlencode()
        return HttpResponseRedirect(f"{page_url}?{query}#feedback" if query else f"{page_url}#feedback")
    return render(request, "ratings/partials/feedback_section.html", template_context)


def _list_context(request, *, kwork=None, seller=None, base_url):
    result = selectors.feedback_list(
        kwork=kwork,
        seller=seller,
        kind=request.GET.get(selectors.FILTER_PARAM),
        page_number=request.GET.get(selectors.PAGE_PARAM),
    )
    return {"feedback": result, "list_url": request.path, "page_url": base_url}


@require_safe
def kwork_feedback(request, pk):
    kwork = marketplace_selectors.kwork_for_page(pk=pk, user=request.user)
    url = kwork.get_absolute_url()
    return _list_or_page(request, url, _list_context(request, kwork=kwork, base_url=url))


@require_safe
def seller_feedback(request, username):
    person = account_selectors.profile_get(username=username)
    url = reverse("accounts:profile", args=[person.username])
    return _list_or_page(request, url, _list_context(request, seller=person, base_url=url))


# --- "Your level" (R7) -----------------------------------------------------------------------------------


@login_required
@require_safe
def my_level(request):
    """The seller's own figures, what is missing for the next level, and the orders that lowered each figure.
    Only for the person logged in: there is no URL for another seller's report."""
    return render(
        request,
        "ratings/level.html",
        {"report": selectors.level_report(seller=request.user), "stats": selectors.seller_figures(request.user)},
    )
