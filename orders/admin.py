"""Orders in the admin: read-only (every change goes through orders.services), with the timeline, deliveries,
cancellation requests and chat inline, and one action: cancel with refund for prohibited content (C7)."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from common.admin import StaffAdmin, StaffTabularInline, admin_action_run
from common.money import format_cents

from . import services
from .models import CancellationRequest, Delivery, Order, OrderEvent, OrderLine, OrderMessage


class ReadOnlyInline(StaffTabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("kind", "title", "unit_price_cents", "quantity", "amount_cents")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "kind", "actor", "from_status", "to_status", "reason")
    readonly_fields = fields
    verbose_name_plural = "timeline"


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ("created_at", "message", "revision_requested_at", "revision_reason")
    readonly_fields = fields


class CancellationInline(ReadOnlyInline):
    model = CancellationRequest
    fields = ("created_at", "side", "requested_by", "reason", "comment", "status", "respond_by", "answered_at")
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    model = OrderMessage
    fields = ("created_at", "author", "text")
    readonly_fields = fields
    verbose_name_plural = "chat"


@admin.register(Order)
class OrderAdmin(StaffAdmin):
    list_display = ("pk", "title", "buyer", "seller", "status", "total_cents", "placed_at", "overdue_at")
    list_filter = ("status", "cancelled_by", "counts_against_seller", "auto_cancelled")
    search_fields = ("=id", "title", "buyer__username", "seller__username")
    date_hierarchy = "placed_at"
    list_select_related = ("buyer", "seller")
    inlines = [LineInline, EventInline, DeliveryInline, CancellationInline, MessageInline]
    actions = ["cancel_prohibited"]
    show_full_result_count = False

    def readonly_names(self, request, obj=None):
        # The Kwork as the buyer saw it is shown in words and dollars, not as its stored JSON.
        return [
            "kwork_as_ordered" if field.name == "kwork_snapshot" else field.name
            for field in self.model._meta.fields
        ]

    @admin.display(description="Kwork as ordered")
    def kwork_as_ordered(self, obj):
        snapshot = obj.kwork_snapshot or {}
        if not snapshot:
            return "—"
        days = snapshot.get("lead_time_days") or 0
        rows = [
            ("Title", snapshot.get("title", "")),
            ("Price of one unit", format_cents(snapshot.get("price_cents"))),
            ("Package", (snapshot.get("package") or "").capitalize() or "—"),
            ("Lead time", f"{days} day{'s' if days != 1 else ''}"),
            ("Volume of one unit", snapshot.get("volume", "")),
            ("Description", snapshot.get("description", "")),
            ("Instructions for the buyer", snapshot.get("instructions", "") or "—"),
        ]
        lines = format_html_join(
            "",
            "<li>{} × {} — {}</li>",
            (
                (line.get("title", ""), line.get("quantity", 1), format_cents(line.get("amount_cents")))
                for line in snapshot.get("lines", [])
            ),
        )
        return format_html(
            '<dl class="kwork-as-ordered">{}<dt>Lines</dt><dd><ul>{}</ul></dd></dl>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
            lines,
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Cancel with refund (prohibited content)", permissions=["change"])
    def cancel_prohibited(self, request, queryset):
        admin_action_run(
            self,
            request,
            queryset,
            call=lambda order: services.order_cancel_by_staff(
                order=order,
                staff_user=request.user,
                reason="The order concerns a service that is not allowed on the site; it was cancelled and refunded in full.",
            ),
            done_message=lambda n: f"{n} order(s) cancelled and refunded.",
        )
