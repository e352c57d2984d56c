"""Admin screens. The ledger is read-only here: no add, change or delete (append-only, P9); withdrawals are
decided in /backoffice/withdrawals/ through services; staff create promo codes (P8)."""

from django.contrib import admin

from common.admin import StaffAdmin, StaffTabularInline, admin_action_run

from . import services
from .models import (
    EscrowHold,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PayoutBatch,
    PromoCode,
    Referral,
    TopUp,
    Withdrawal,
)


class ReadOnlyAdmin(StaffAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    # System accounts are several rows per kind (shards); their balance is the sum of the rows.
    list_display = ["pk", "owner", "kind", "shard", "balance_cents"]
    list_filter = ["kind"]
    search_fields = ["owner__username"]
    list_select_related = ["owner"]


class LedgerEntryInline(StaffTabularInline):
    model = LedgerEntry
    fields = ["account", "amount_cents", "balance_after_cents"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "reference", "memo", "created_at"]
    list_filter = ["kind"]
    search_fields = ["reference", "idempotency_key"]
    inlines = [LedgerEntryInline]


@admin.register(EscrowHold)
class EscrowHoldAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "buyer",
        "seller",
        "amount_cents",
        "main_cents",
        "bonus_cents",
        "status",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["reference", "buyer__username"]
    list_select_related = ["buyer", "seller"]


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "amount_cents", "status", "is_test", "card_last4", "created_at", "credited_at"]
    list_filter = ["status", "is_test"]
    search_fields = ["user__username", "stripe_session_id"]


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "amount_cents", "fee_cents", "status", "created_at", "batch"]
    list_filter = ["status"]
    search_fields = ["user__username"]
    actions = ["approve"]

    @admin.action(description="Approve selected requests (they join the next payout batch)")
    def approve(self, request, queryset):
        admin_action_run(
            self,
            request,
            queryset,
            call=lambda withdrawal: services.withdrawal_approve(withdrawal=withdrawal, staff_user=request.user),
            done_message=lambda n: f"{n} request(s) approved.",
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("payments.change_withdrawal") and obj is None


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = ["pk", "provider", "count", "total_cents", "created_at"]


@admin.register(PromoCode)
class PromoCodeAdmin(StaffAdmin):
    list_display = [
        "code",
        "amount_cents",
        "valid_from",
        "valid_until",
        "max_redemptions",
        "times_redeemed",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["code"]
    readonly_fields = ["times_redeemed"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "amount_cents":
            # The model's help text counts in cents; staff type dollars here.
            field.help_text = "The bonus credited to the balance of each person who redeems the code."
        return field

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.redemptions.exists()


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["partner", "referred", "created_at", "activated_at"]
    search_fields = ["partner__username", "referred__username"]
    list_select_related = ["partner", "referred"]
