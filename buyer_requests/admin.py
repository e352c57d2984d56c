"""Moderators' screen for buyer requests (Q1): activate, or reject with a reason the buyer sees. Every action
goes through buyer_requests.services (common.admin.admin_action_run); nothing is edited around them."""

from django import forms
from django.contrib import admin
from django.db.models import Case, Value, When
from django.utils.html import format_html_join

from common.admin import StaffAdmin, admin_action_run, admin_action_with_reason
from common.money import format_cents

from . import rules, services
from .models import BuyerRequest


def _requests(count):
    return f"{count} request{'s' if count != 1 else ''}"


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason the buyer sees",
        max_length=rules.REJECT_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


@admin.register(BuyerRequest)
class BuyerRequestAdmin(StaffAdmin):
    list_display = ("title", "buyer", "subcategory", "budget", "status", "created_at", "active_until")
    list_filter = ("status",)
    list_select_related = ("buyer", "subcategory__parent")
    search_fields = ("title", "buyer__username")
    # The moderators' queue first: waiting requests, oldest first; then the rest, newest first.
    ordering = (
        Case(When(status=BuyerRequest.Status.PENDING, then=Value(1)), default=Value(0)).desc(),
        "created_at",
        "pk",
    )
    fields = (
        "title",
        "buyer",
        "subcategory",
        "budget",
        "description",
        "attached_files",
        "status",
        "reject_reason",
        "created_at",
        "moderated_at",
        "moderated_by",
        "activated_at",
        "active_until",
        "closed_at",
    )
    readonly_fields = fields
    actions = ["activate", "reject"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("files")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Budget", ordering="budget_cents")
    def budget(self, obj):
        return format_cents(obj.budget_cents)

    @admin.display(description="Files")
    def attached_files(self, obj):
        files = list(obj.files.all())
        if not files:
            return "—"
        return format_html_join(", ", '<a href="{}">{}</a>', ((row.file.url, row.name) for row in files))

    @admin.action(description="Activate the selected requests (open for offers)", permissions=["change"])
    def activate(self, request, queryset):
        admin_action_run(
            self,
            request,
            queryset,
            call=lambda obj: services.request_activate(request=obj, moderator=request.user),
            done_message=lambda n: f"Activated {_requests(n)}.",
        )

    @admin.action(description="Reject the selected requests with a reason…", permissions=["change"])
    def reject(self, request, queryset):
        return admin_action_with_reason(
            self,
            request,
            queryset.select_related("buyer"),
            form_class=RejectForm,
            title="Reject with a reason",
            intro="Reject these requests. The buyer sees the reason on the request page and in a notification.",
            item_label=lambda row: f"{row.title} — {row.buyer.username}",
            submit_label="Reject",
            call=lambda obj, data: services.request_reject(
                request=obj, moderator=request.user, reason=data["reason"]
            ),
            done_message=lambda n: f"Rejected {_requests(n)}.",
        )
