"""Requests opened before O3 was held by an open request (orders/rules.py): move those new orders' accept_by past
their request's respond_by by the time that was left, as cancellation_request_create now does."""

from datetime import timedelta

from django.db import migrations

MIN_LEFT = timedelta(
    hours=1
)  # rules.ACCEPT_RESUME_MIN_HOURS when this was written (migrations do not import rules)


def hold(apps, schema_editor):
    CancellationRequest = apps.get_model("orders", "CancellationRequest")
    Order = apps.get_model("orders", "Order")
    pending = CancellationRequest.objects.filter(status="pending", order__status="new").select_related("order")
    for request in pending.iterator():
        order = request.order
        if order.accept_by > request.respond_by:
            continue  # already held
        left = max(order.accept_by - request.created_at, MIN_LEFT)
        Order.objects.filter(pk=order.pk).update(accept_by=request.respond_by + left)


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_order_placement_key")]

    operations = [migrations.RunPython(hold, migrations.RunPython.noop)]
