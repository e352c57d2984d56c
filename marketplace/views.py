"""Marketplace pages: thin — parse, call one service or selector, render the page or its htmx partial."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST, require_safe

from accounts import selectors as account_selectors
from common.errors import DomainError
from common.ratelimit import client_key, ratelimit
from common.redirects import redirect_back

from . import caching, forms, rules, selectors, services
from .models import Kwork
from .pricing import price_quote
from .services.kwork_views import kwork_view_record
from .weekends import weekend_days_text


def _url_or_none(name, *args):
    """The orders app wires ordering; until its URL exists the buttons say "Ordering opens soon"."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _query_string(request, drop=("page",)):
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


# --- browsing (C12) --------------------------------------------------------------------------------------


@require_safe
def home(request):
    def popular():
        kworks = selectors.home_popular()
        if not kworks:
            return ""
        return render_to_string(
            "marketplace/partials/grid.html", {"kworks": kworks, "hearts_deferred": True}, request=request
        )

    return render(
        request,
        "marketplace/home.html",
        {
            "popular_html": caching.cached_grid(request, weekend=selectors.is_weekend_window(), render=popular),
            "categories": selectors.categories_tree(),
        },
    )


@require_safe
def categories(request):
    return render(request, "marketplace/categories.html", {"categories": selectors.categories_tree()})


@require_safe
def category(request, slug):
    category = selectors.category_get(slug=slug)
    attributes = selectors.category_attributes(category)
    filters = selectors.CatalogueFilters.from_query(request.GET, attributes)

    def results():
        page = selectors.catalogue_page(
            category=category, filters=filters, attributes=attributes, page_number=request.GET.get("page")
        )
        return render_to_string(
            "marketplace/partials/results.html",
            {
                "page": page,
                "filters": filters,
                "query_string": _query_string(request),
                "hearts_deferred": True,  # the same grid for everyone; caching.cached_grid puts the hearts in
            },
            request=request,
        )

    results_html = caching.cached_grid(request, weekend=selectors.is_weekend_window(), render=results)
    if request.htmx and request.htmx.target == "results":
        return HttpResponse(results_html)
    parent = category.parent if category.is_subcategory else category
    return render(
        request,
        "marketplace/category.html",
        {
            "category": category,
            "parent": parent,
            "subcategories": selectors.subcategories_of(parent),
            "attributes": attributes,
            "filters": filters,
            "sorts": [(key, label) for key, (label, _) in selectors.SORTS.items()],
            "results_html": results_html,
        },
    )


@require_safe
def search(request):
    query = request.GET.get("q", "").replace("\x00", "").strip()
    filters = selectors.CatalogueFilters.from_query(request.GET)

    def results():
        page = selectors.kwork_search(query=query, filters=filters, page_number=request.GET.get("page"))
        return render_to_string(
            "marketplace/partials/results.html",
            {
                "page": page,
                "query": query,
                "filters": filters,
                "query_string": _query_string(request),
                "hearts_deferred": True,
            },
            request=request,
        )

    results_html = (
        caching.cached_grid(request, weekend=selectors.is_weekend_window(), render=results) if query else ""
    )
    if request.htmx and request.htmx.target == "results":
        return HttpResponse(results_html)
    return render(
        request,
        "marketplace/search.html",
        {
            "query": query,
            "users": account_selectors.users_search(query=query),
            "filters": filters,
            "sorts": [(key, label) for key, (label, _) in selectors.SORTS.items()],
            "results_html": results_html,
        },
    )


def _choice_from(request):
    data = request.POST if request.method == "POST" else request.GET
    return {
        "quantity": data.get("quantity") or 1,
        "option_ids": [value for value in data.getlist("options") if value],
        "package": data.get("package") or None,
    }


@require_safe
def kwork_detail(request, pk):
    kwork = selectors.kwork_for_page(pk=pk, user=request.user)
    choice = _choice_from(request)
    if kwork.uses_packages and not choice["package"]:
        packages = list(kwork.packages.all())
        choice["package"] = packages[0].pk if packages else None
    quote, quote_error = None, None
    try:
        quote = price_quote(kwork=kwork, **choice)
    except DomainError as error:
        quote_error = error.message
    kwork_view_record(kwork=kwork, user=request.user, visitor=client_key(request))
    return render(
        request,
        "marketplace/kwork.html",
        {
            "kwork": kwork,
            "quote": quote,
            "quote_error": quote_error,
            "choice": choice,
            "chosen_options": {str(o) for o in choice["option_ids"]},
            "order_refusal": kwork.order_refusal(request.user),
            "order_url": _url_or_none("orders:place", kwork.pk),
            "is_favourite": bool(selectors.favourite_ids(user=request.user, kworks=[kwork])),
            "is_owner": request.user.is_authenticated and request.user.pk == kwork.seller_id,
        },
    )


@require_safe
def kwork_quote(request, pk):
    """htmx partial: the live total and lead time of the buyer's choice (C5)."""
    kwork = selectors.kwork_for_page(pk=pk, user=request.user)
    quote, quote_error = None, None
    try:
        quote = price_quote(kwork=kwork, **_choice_from(request))
    except DomainError as error:
        quote_error = error.message
    return render(
        request, "marketplace/partials/quote.html", {"kwork": kwork, "quote": quote, "quote_error": quote_error}
    )


# --- favourites and cart (C13) ---------------------------------------------------------------------------


@login_required
@require_POST
@ratelimit("marketplace_favourite", rules.RATE_FAVOURITE)
def favourite_toggle(request, pk):
    is_favourite = services.favourite_toggle(user=request.user, kwork_id=pk)
    if request.htmx:
        return render(
            request,
            "marketplace/partials/heart.html",
            {"kwork_id": pk, "is_favourite": is_favourite, "big": request.POST.get("big")},
        )
    messages.success(request, "Added to your favourites." if is_favourite else "Removed from your favourites.")
    return redirect_back(request, reverse("marketplace:kwork", args=[pk]))


@login_required
@require_safe
def favourites(request):
    items = list(selectors.favourites_for(user=request.user))
    return render(
        request, "marketplace/favourites.html", {"items": items, "favourite_ids": {i.kwork_id for i in items}}
    )


@login_required
@require_POST
@ratelimit("marketplace_cart", rules.RATE_CART)
def cart_add(request, pk):
    try:
        services.cart_add(user=request.user, kwork_id=pk, **_choice_from(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("marketplace:kwork", args=[pk]))
    messages.success(request, f"Added to your cart. Items are kept for {rules.CART_ITEM_KEEP_DAYS} days.")
    return redirect("marketplace:cart")


def _cart_context(request):
    rows = selectors.cart_for(user=request.user)
    total = sum(row["quote"].total_cents for row in rows if row["quote"])
    return {
        "rows": rows,
        "total_cents": total,
        "checkout_url": _url_or_none("orders:cart_checkout"),
    }


@login_required
@require_safe
def cart(request):
    return render(request, "marketplace/cart.html", _cart_context(request))


@login_required
@require_POST
@ratelimit("marketplace_cart", rules.RATE_CART)
def cart_item(request, item_id):
    try:
        if request.POST.get("action") == "remove":
            services.cart_item_remove(user=request.user, item_id=item_id)
        else:
            services.cart_item_update(user=request.user, item_id=item_id, quantity=request.POST.get("quantity"))
    except DomainError as error:
        if request.htmx:
            return render(
                request,
                "marketplace/partials/cart_body.html",
                {**_cart_context(request), "cart_error": error.message},
            )
        messages.error(request, error.message)
    if request.htmx:
        return render(request, "marketplace/partials/cart_body.html", _cart_context(request))
    return redirect("marketplace:cart")


# --- the seller's pages (C2–C11) -------------------------------------------------------------------------

MY_TABS = [
    ("", "All"),
    (Kwork.Status.ACTIVE, "Active"),
    (Kwork.Status.MODERATION, "On moderation"),
    (Kwork.Status.REJECTED, "Rejected"),
    (Kwork.Status.PAUSED, "Paused"),
    (Kwork.Status.DRAFT, "Drafts"),
]


@login_required
@require_safe
def my_kworks(request):
    status = request.GET.get("status", "")
    if status not in dict(MY_TABS):
        status = ""
    profile = selectors.seller_profile(user=request.user)
    counts = selectors.my_kworks_counts(seller=request.user)
    return render(
        request,
        "marketplace/my_kworks.html",
        {
            "kworks": selectors.my_kworks(seller=request.user, status=status or None),
            "tabs": [(key, label, counts.get(key, 0) if key else sum(counts.values())) for key, label in MY_TABS],
            "status": status,
            "profile": profile,
            "weekend_form": forms.WeekendForm(initial={"hide_on_weekends": profile.hide_on_weekends}),
        },
    )


@login_required
@require_POST
def weekend_setting(request):
    form = forms.WeekendForm(request.POST)
    form.is_valid()
    services.seller_weekend_setting_set(
        seller=request.user, hide_on_weekends=form.cleaned_data["hide_on_weekends"]
    )
    messages.success(
        request,
        f"Your Kworks will be hidden {weekend_days_text()}."
        if form.cleaned_data["hide_on_weekends"]
        else "Your Kworks stay visible on weekends.",
    )
    return redirect("marketplace:my_kworks")


def _editor_category(request, initial_category_id=None):
    raw = request.POST.get("category") or request.GET.get("category") or initial_category_id
    return selectors.subcategory_or_none(raw)


def _editor_form(request, *, initial=None, category=None):
    points = selectors.price_points_for(category) if category else None
    data = request.POST if request.method == "POST" else None
    if request.htmx and data is None:
        # A new subcategory chosen in the page: the package prices it still offers stay chosen.
        initial = dict(initial or {})
        for tier in rules.PACKAGE_TIERS:
            chosen = selectors.parse_id(request.GET.get(f"package_{tier}_price"))
            if chosen is not None:
                initial[f"package_{tier}_price"] = str(chosen)
    return forms.KworkForm(data, initial=initial, category=category, price_points=points)


def _editor_render(request, form, kwork=None):
    context = {"form": form, "kwork": kwork}
    if kwork is not None:
        context.update(
            {
                "images": selectors.kwork_images_for_editor(kwork=kwork),
                "files": selectors.kwork_files_for_editor(kwork=kwork),
                "image_form": forms.KworkImageForm(),
                "file_form": forms.KworkFileForm(),
            }
        )
    if request.htmx and request.htmx.target == "attributes":
        return render(request, "marketplace/partials/editor_category_change.html", context)
    return render(request, "marketplace/kwork_edit.html", context)


@login_required
@ratelimit("marketplace_kwork", rules.RATE_KWORK_EDIT)
def kwork_new(request):
    if not account_selectors.has_confirmed_email(request.user):
        try:
            services.account_services.ensure_email_confirmed(user=request.user, action="create a Kwork")
        except DomainError as error:
            return render(request, "marketplace/email_needed.html", {"message": error.message}, status=403)
    category = _editor_category(request)
    form = _editor_form(request, category=category)
    if request.method == "POST" and not request.htmx and form.is_valid():
        try:
            kwork = services.kwork_create(seller=request.user, data=form.to_service_data(), submit=False)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Draft saved. Add gallery images, then send it to moderation.")
            return redirect("marketplace:kwork_edit", pk=kwork.pk)
    return _editor_render(request, form)


@login_required
@ratelimit("marketplace_kwork", rules.RATE_KWORK_EDIT)
def kwork_edit(request, pk):
    kwork = selectors.kwork_get_for_seller(seller=request.user, pk=pk)
    kwork = selectors.kwork_for_page(pk=kwork.pk, user=request.user)
    stored = kwork.pending_changes or forms.kwork_as_data(kwork)
    category = _editor_category(request, stored["category"])
    form = _editor_form(request, initial=forms.initial_from_data(stored), category=category)
    if request.method == "POST" and not request.htmx:
        submit = request.POST.get("submit") == "1"
        if form.is_valid():
            try:
                services.kwork_update(seller=request.user, kwork=kwork, data=form.to_service_data(), submit=submit)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if submit:
                    messages.success(request, "Sent to moderation. We will notify you of the decision.")
                    return redirect("marketplace:my_kworks")
                messages.success(
                    request,
                    "Changes saved as a draft; the approved version stays on sale until you send them."
                    if kwork.approved_at
                    else "Draft saved.",
                )
                return redirect("marketplace:kwork_edit", pk=kwork.pk)
    return _editor_render(request, form, kwork)


@login_required
@require_POST
@ratelimit("marketplace_kwork", rules.RATE_KWORK_EDIT)
def kwork_media(request, pk):
    """Upload or remove a gallery image or a file (C6). Refusals are shown next to the upload field."""
    kwork = selectors.kwork_get_for_seller(seller=request.user, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "image":
            form = forms.KworkImageForm(request.POST, request.FILES)
            if not form.is_valid():
                raise DomainError(" ".join(form.errors["image"]), field="image")
            services.kwork_image_add(seller=request.user, kwork=kwork, upload=form.cleaned_data["image"])
            messages.success(
                request, "Image added" + (" (it waits for moderation)." if kwork.approved_at else ".")
            )
        elif action == "file":
            form = forms.KworkFileForm(request.POST, request.FILES)
            if not form.is_valid():
                raise DomainError(" ".join(form.errors["file"]), field="file")
            services.kwork_file_add(seller=request.user, kwork=kwork, upload=form.cleaned_data["file"])
            messages.success(request, "File attached.")
        elif action == "delete_image":
            services.kwork_image_delete(seller=request.user, kwork=kwork, image_id=request.POST.get("id"))
            messages.success(request, "Image removed.")
        elif action == "delete_file":
            services.kwork_file_delete(seller=request.user, kwork=kwork, file_id=request.POST.get("id"))
            messages.success(request, "File removed.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("marketplace:kwork_edit", args=[kwork.pk]) + "#media")


@login_required
@require_POST
@ratelimit("marketplace_kwork", rules.RATE_KWORK_EDIT)
def kwork_action(request, pk):
    """My Kworks buttons: submit, pause, activate, delete, discard changes."""
    kwork = selectors.kwork_get_for_seller(seller=request.user, pk=pk)
    action = request.POST.get("action")
    handlers = {
        "submit": (services.kwork_submit, "Sent to moderation."),
        "pause": (services.kwork_pause, "Paused: hidden from the catalogue and not orderable."),
        "activate": (services.kwork_activate, "Active again."),
        "delete": (services.kwork_delete, "Deleted."),
        "discard": (services.kwork_changes_discard, "Your pending changes were discarded."),
    }
    if action not in handlers:
        return HttpResponse("Unknown action.", status=400)
    service, done = handlers[action]
    try:
        service(seller=request.user, kwork=kwork)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"“{kwork.title}”: {done}")
    return redirect_back(request, reverse("marketplace:my_kworks"))
