"""Moderators' screens for ratings (R1, R2, R12). Everything is read-only here; every decision is an action that
calls a service (through common.admin.admin_action_run): approve or reject a response with a reason, remove
feedback with a reason code, confirm or dismiss a boosting suspicion and remove the confirmed boosted feedback."""

from django import forms
from django.contrib import admin, messages

from common.admin import StaffAdmin, admin_action_run, admin_action_with_reason
from common.errors import DomainError

from . import rules, services
from .models import BoostingFlag, BuyerStats, Feedback, FeedbackRemoval, FeedbackResponse, SellerStats


class ReadOnlyAdmin(StaffAdmin):
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def readonly_names(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + [m.name for m in self.model._meta.many_to_many]


class RemoveForm(forms.Form):
    # No reason is chosen in advance: the staff member picks the one the removal is recorded with.
    reason = forms.ChoiceField(choices=[("", "Choose a reason…"), *Feedback.RemovalReason.choices])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class RejectResponseForm(forms.Form):
    reason = forms.CharField(
        max_length=rules.RESPONSE_REJECT_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="The seller sees this reason.",
    )


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "seller", "buyer", "is_positive", "created_at", "removed_at", "removal_reason")
    list_filter = ("is_positive", ("removed_at", admin.EmptyFieldListFilter), "removal_reason")
    list_select_related = ("order", "seller", "buyer")
    search_fields = ("text", "seller__username", "buyer__username")
    actions = ["remove"]

    @admin.action(description="Remove the selected feedback with a reason…", permissions=["change"])
    def remove(self, request, queryset):
        return admin_action_with_reason(
            self,
            request,
            queryset,
            form_class=RemoveForm,
            intro="Remove this feedback. It disappears from the Kwork and the profile, the seller's figures are "
            "recomputed, and the removal is recorded with its reason.",
            submit_label="Remove feedback",
            call=lambda obj, data: services.feedback_remove(
                feedback=obj, staff_user=request.user, reason=data["reason"], note=data["note"]
            ),
            done_message=lambda n: f"Removed {n} feedback.",
        )


class PendingFirst(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("all", "All"), *FeedbackResponse.Status.choices]

    def choices(self, changelist):
        value = self.value() or FeedbackResponse.Status.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or FeedbackResponse.Status.PENDING
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(FeedbackResponse)
class FeedbackResponseAdmin(ReadOnlyAdmin):
    list_display = ("id", "feedback", "text", "status", "created_at", "moderated_by")
    list_filter = (PendingFirst,)
    list_select_related = ("feedback", "moderated_by")
    actions = ["approve", "reject"]

    @admin.action(description="Approve the selected responses", permissions=["change"])
    def approve(self, request, queryset):
        admin_action_run(
            self,
            request,
            queryset,
            call=lambda obj: services.feedback_response_approve(response=obj, moderator=request.user),
            done_message=lambda n: f"Approved {n} response(s).",
        )

    @admin.action(description="Reject the selected responses with a reason…", permissions=["change"])
    def reject(self, request, queryset):
        return admin_action_with_reason(
            self,
            request,
            queryset,
            form_class=RejectResponseForm,
            intro="Reject these responses. The seller sees the reason and may write the response again.",
            submit_label="Reject responses",
            call=lambda obj, data: services.feedback_response_reject(
                response=obj, moderator=request.user, reason=data["reason"]
            ),
            done_message=lambda n: f"Rejected {n} response(s).",
        )


@admin.register(BoostingFlag)
class BoostingFlagAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "seller", "buyer", "created_at", "detail")
    list_filter = ("status", "kind")
    list_select_related = ("seller", "buyer")
    actions = ["confirm", "dismiss", "remove_boosted"]

    @admin.action(description="Confirm: this is boosting", permissions=["change"])
    def confirm(self, request, queryset):
        admin_action_run(
            self,
            request,
            queryset,
            call=lambda obj: services.boosting_flag_confirm(flag=obj, staff_user=request.user),
            done_message=lambda n: f"Confirmed {n} suspicion(s).",
        )

    @admin.action(description="Dismiss: not boosting", permissions=["change"])
    def dismiss(self, request, queryset):
        admin_action_run(
            self,
            request,
            queryset,
            call=lambda obj: services.boosting_flag_dismiss(flag=obj, staff_user=request.user),
            done_message=lambda n: f"Dismissed {n} suspicion(s).",
        )

    @admin.action(description="Remove all feedback of the selected confirmed flags", permissions=["change"])
    def remove_boosted(self, request, queryset):
        try:
            removed = services.boosting_feedback_remove(flags=list(queryset), staff_user=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.WARNING)
            return
        self.message_user(request, f"Removed {removed} boosted feedback; the figures are recomputed.")


@admin.register(FeedbackRemoval)
class FeedbackRemovalAdmin(ReadOnlyAdmin):
    list_display = ("feedback", "staff_user", "reason", "created_at")
    list_select_related = ("feedback", "staff_user")


@admin.register(SellerStats)
class SellerStatsAdmin(ReadOnlyAdmin):
    list_display = ("seller", "level", "rating", "responsibility", "stars", "completed_count", "computed_at")
    list_select_related = ("seller",)
    search_fields = ("seller__username",)


@admin.register(BuyerStats)
class BuyerStatsAdmin(ReadOnlyAdmin):
    list_display = ("buyer", "level", "purchases", "recent_purchases", "super_buyer", "computed_at")
    list_select_related = ("buyer",)
    search_fields = ("buyer__username",)
