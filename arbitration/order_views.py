"""C7 in the back office: support cancels, with a full refund, an order with prohibited content. The admin is the
moderators' (Kworks only, T6), so this is where support does it; the work is orders.services'."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.roles import support_required
from common.errors import DomainError
from orders import services as order_services
from orders.models import Order

DEFAULT_REASON = "Prohibited content (C7): the order was cancelled by support and refunded in full."


class FindOrderForm(forms.Form):
    order = forms.IntegerField(label="Order number", min_value=1, max_value=2**63 - 1)


class StaffCancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (the buyer and the seller see it)",
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=DEFAULT_REASON,
    )


@support_required
@require_safe
def order_find(request):
    form = FindOrderForm(request.GET or None)
    if form.is_valid():
        return redirect("backoffice:order_cancel", pk=form.cleaned_data["order"])
    return render(request, "backoffice/order_find.html", {"form": form})


@support_required
def order_cancel(request, pk):
    order = get_object_or_404(Order.objects.select_related("buyer", "seller"), pk=pk)
    form = StaffCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order_services.order_cancel_by_staff(
                order=order, staff_user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Order #{order.pk} has been cancelled and the buyer refunded in full.")
            return redirect(reverse("backoffice:order_cancel", args=[order.pk]))
    return render(
        request,
        "backoffice/order_cancel.html",
        {"order": order, "form": form, "can_cancel": order.status in Order.ACTIVE_STATES},
    )
