from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from common.admin import StaffAdmin, StaffTabularInline, admin_action_run

from . import services
from .models import AccountChange, Badge, DeletionRequest, Notification, User, UserBadge


class UserBadgeInline(StaffTabularInline):
    model = UserBadge
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["badge"]
    readonly_fields = ["granted_at", "granted_by"]


class EmailAddressAdmin(BaseEmailAddressAdmin):
    """A5: addresses change only through the account services (a notice to the old one, a confirmation link to
    the new one, the lock). The admin shows them, and can still mark one verified."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(EmailAddress)
admin.site.register(EmailAddress, EmailAddressAdmin)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "mode",
        "is_active",
        "is_staff",
        "date_joined",
        "last_seen_at",
    ]
    list_filter = ["is_active", "is_staff", "mode", "groups"]
    search_fields = ["username", "email", "display_name"]
    readonly_fields = [
        "adult_confirmed_at",
        "terms_accepted_at",
        "username_changed_at",
        "last_seen_at",
        "anonymised_at",
    ]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            "Profile",
            {"fields": ("display_name", "city", "about", "skills", "avatar", "mode", "email_notifications")},
        ),
        (
            "Consents and history",
            {
                "fields": (
                    "adult_confirmed_at",
                    "terms_accepted_at",
                    "username_changed_at",
                    "last_seen_at",
                    "anonymised_at",
                )
            },
        ),
    )
    inlines = [UserBadgeInline]

    def get_readonly_fields(self, request, obj=None):
        # A5/A6: e-mail and login change only through the account services (notice, confirmation, AccountChange
        # row, the payout lock, allauth's EmailAddress table), never by editing the row here.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "username", "email"] if obj is not None else fields

    def save_formset(self, request, form, formset, change):
        if formset.model is not UserBadge:
            return super().save_formset(request, form, formset, change)
        # Badges (A10) go through the services: a new one notifies its owner and remembers who granted it.
        for obj in formset.save(commit=False):
            if obj.pk is None:
                services.badge_grant(user=obj.user, code=obj.badge.code, granted_by=request.user, note=obj.note)
            else:
                obj.save()
        for obj in formset.deleted_objects:
            services.badge_revoke(user=obj.user, code=obj.badge.code)


@admin.register(Badge)
class BadgeAdmin(StaffAdmin):
    list_display = ["icon", "name", "code", "automatic"]
    search_fields = ["name", "code"]


@admin.register(UserBadge)
class UserBadgeAdmin(StaffAdmin):
    list_display = ["user", "badge", "granted_at", "granted_by", "note"]
    list_filter = ["badge"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user", "badge"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.pk = services.badge_grant(
                user=obj.user, code=obj.badge.code, granted_by=request.user, note=obj.note
            ).pk
            return
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        services.badge_revoke(user=obj.user, code=obj.badge.code)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user", "badge"):
            services.badge_revoke(user=obj.user, code=obj.badge.code)


@admin.register(DeletionRequest)
class DeletionRequestAdmin(StaffAdmin):
    list_display = ["user", "created_at", "status", "processed_by", "processed_at"]
    list_filter = ["status"]
    readonly_fields = ["user", "reason", "created_at", "status", "processed_at", "processed_by"]
    fields = ["user", "reason", "created_at", "status", "processed_at", "processed_by", "staff_note"]
    actions = ["carry_out"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Delete the accounts (anonymise the people, keep orders and money records)")
    def carry_out(self, request, queryset):
        admin_action_run(
            self,
            request,
            queryset,
            call=lambda req: services.account_anonymise(deletion_request=req, staff_user=request.user),
            done_message=lambda n: f"{n} account(s) anonymised.",
        )


@admin.register(AccountChange)
class AccountChangeAdmin(StaffAdmin):
    list_display = ["user", "kind", "old_value", "new_value", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(StaffAdmin):
    list_display = ["user", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "title"]
    raw_id_fields = ["user"]
