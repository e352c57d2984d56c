"""One runner for admin actions: the admin never writes around a service. Each selected row goes through the
service on its own, so one refusal does not undo the others, and every refusal is reported with its row."""

from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.text import capfirst

from common.errors import DomainError


def admin_action_run(modeladmin, request, queryset, *, call, done_message):
    """Call `call(obj)` for each selected row (in pk order) and report the outcome with messages.

    `done_message(count)` words the successes, e.g. ``lambda n: f"{n} request(s) approved."``; each DomainError
    becomes a warning naming its row, "Order #12: <the service's message>". Returns how many rows succeeded.
    """
    # Proxies (the moderation queue) name their rows after the real model: "Kwork #12".
    noun = capfirst(queryset.model._meta.concrete_model._meta.verbose_name)
    done = 0
    refusals = []
    for obj in queryset.order_by("pk"):
        try:
            call(obj)
        except DomainError as error:
            refusals.append(f"{noun} #{obj.pk}: {error.message}")
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)
    for refusal in refusals:
        modeladmin.message_user(request, refusal, messages.WARNING)
    return done


def admin_action_with_reason(
    modeladmin, request, queryset, *, form_class, intro, submit_label, call, done_message, item_label=str, title=""
):
    """An action that first asks for a reason on an intermediate page, then runs `call(obj, cleaned_data)` per
    row through `admin_action_run`. Rejections and removals of every app share it (and its one template)."""
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            admin_action_run(
                modeladmin,
                request,
                queryset,
                call=lambda obj: call(obj, form.cleaned_data),
                done_message=done_message,
            )
            return None
    else:
        form = form_class()
    return render(
        request,
        "admin/action_with_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title or submit_label,
            "intro": intro,
            "items": [item_label(obj) for obj in queryset],
            "form": form,
            "submit_label": submit_label,
            "action_name": request.POST.get("action"),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "opts": modeladmin.model._meta,
        },
    )
