"""One runner for admin actions: the admin never writes around a service. Each selected row goes through the
service on its own, so one refusal does not undo the others, and every refusal is reported with its row."""

from django.contrib import messages
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
