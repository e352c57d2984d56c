"""Moderators work here (C7). Every decision is an action that calls a service; Kwork content is read-only in
the admin so no button bypasses the moderation services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.defaultfilters import date as date_filter
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from common.admin import StaffAdmin, StaffTabularInline, admin_action_run, admin_action_with_reason
from common.errors import DomainError

from . import services
from .admin_diff import pending_changes_diff
from .forms import RejectForm
from .models import (
    Attribute,
    AttributeChoice,
    CartItem,
    Category,
    Favourite,
    Kwork,
    KworkImage,
    KworkOption,
    KworkPackage,
    ModerationQueue,
    PackagePricePoint,
)
from .selectors import parse_id

SEEN_VERSION_PREFIX = "seen_version_"

# --- categories and attributes (C1, C4) ------------------------------------------------------------------


class PricePointInline(StaffTabularInline):
    model = PackagePricePoint
    extra = 0


class SubcategoryInline(StaffTabularInline):
    model = Category
    fk_name = "parent"
    fields = ("name", "slug", "position")
    extra = 0
    show_change_link = True


class AttributeInline(StaffTabularInline):
    model = Attribute
    fields = ("name", "slug", "position", "required")
    extra = 0
    show_change_link = True


@admin.register(Category)
class CategoryAdmin(StaffAdmin):
    list_display = ("__str__", "slug", "position", "requires_portfolio")
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter), "requires_portfolio")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SubcategoryInline, AttributeInline, PricePointInline]
    list_select_related = ("parent",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "requires_portfolio" in form.changed_data:
            # C11(a): the Kworks of the category and its subcategories pause or resume at once.
            paused = services.category_portfolio_sync(category=obj)
            self.message_user(request, f"Kworks paused automatically for a missing portfolio: {paused}.")


class ChoiceInline(StaffTabularInline):
    model = AttributeChoice
    extra = 1
    prepopulated_fields = {"slug": ("label",)}


@admin.register(Attribute)
class AttributeAdmin(StaffAdmin):
    list_display = ("name", "category", "required", "position")
    list_select_related = ("category__parent",)
    search_fields = ("name", "category__name")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ChoiceInline]


# --- Kworks and moderation (C7) --------------------------------------------------------------------------


class ImageInline(StaffTabularInline):
    model = KworkImage
    fields = ("preview", "pending", "position")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="Image")
    def preview(self, obj):
        return format_html('<img src="{}" alt="" width="160">', obj.image.url) if obj.image else "—"


class OptionInline(StaffTabularInline):
    model = KworkOption
    fields = ("title", "price_cents", "is_active")
    readonly_fields = fields
    extra = 0
    can_delete = False


class PackageInline(StaffTabularInline):
    model = KworkPackage
    fields = ("tier", "description", "price_cents", "lead_time_days")
    readonly_fields = fields
    extra = 0
    can_delete = False


class RejectActionForm(RejectForm):
    """The reason a moderator picks when rejecting from the list (prohibited topics ready to choose)."""

    # No reason is chosen in advance: a rejection sent without looking must not say "Adult content".
    reason = forms.ChoiceField(choices=[("", "Choose a reason…"), *Kwork.RejectReason.choices])
    note = forms.CharField(
        label="Note to the seller",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required with “Other”.",
    )


def _kworks(count):
    return f"{count} Kwork{'s' if count != 1 else ''}"


def _seen_version(request, pk):
    """C7: the Kwork's version the moderator had in front of them (each queue row and the change page carry it)."""
    return parse_id(request.POST.get(f"{SEEN_VERSION_PREFIX}{pk}"))


def _approve_seen(request, kwork):
    """C7: the admin approves only a version the moderator was shown; a request without one (a stale page, a
    forged POST) is refused rather than publishing whatever the Kwork holds now."""
    version = _seen_version(request, kwork.pk)
    if version is None:
        raise DomainError(f"“{kwork.title}”: reload the queue and review the Kwork before approving it.")
    services.kwork_approve(kwork=kwork, moderator=request.user, version=version)


def _approve(modeladmin, request, queryset):
    admin_action_run(
        modeladmin,
        request,
        queryset,
        call=lambda kwork: _approve_seen(request, kwork),
        done_message=lambda n: f"Approved {_kworks(n)}.",
    )


def _reject(modeladmin, request, queryset, cancel_url=""):
    return admin_action_with_reason(
        modeladmin,
        request,
        queryset,
        form_class=RejectActionForm,
        title="Reject with a reason",
        intro=(
            ("Reject this Kwork." if queryset.count() == 1 else "Reject these Kworks.")
            + " The seller sees the reason on the Kwork and in a notification. For an approved Kwork only the "
            "proposed changes are rejected; the approved version stays on sale."
        ),
        item_label=lambda kwork: f"{kwork.title} — {kwork.seller.username}",
        submit_label="Reject",
        call=lambda kwork, data: services.kwork_reject(
            kwork=kwork, moderator=request.user, reason=data["reason"], note=data["note"]
        ),
        done_message=lambda n: f"Rejected {_kworks(n)}.",
        cancel_url=cancel_url,
    )


class KworkAdminBase(StaffAdmin):
    list_select_related = ("seller", "category__parent")
    search_fields = ("title", "seller__username")
    inlines = [ImageInline, OptionInline, PackageInline]
    fields = (
        "title",
        "seller",
        "category",
        "status",
        "auto_paused",
        "portfolio_paused",
        "weekend_hidden",
        "description",
        "volume",
        "price_cents",
        "lead_time_days",
        "instructions",
        "youtube_id",
        "uses_packages",
        "review_requested_at",
        "reject_reason",
        "reject_note",
        "moderated_at",
        "moderated_by",
        "approved_at",
    )
    readonly_fields = fields
    actions = ["approve", "reject"]
    change_form_template = "marketplace/admin_moderation_change_form.html"

    def render_change_form(self, request, context, *args, **kwargs):
        original = context.get("original")
        if original is not None:
            context.update(
                {
                    "seen_version_name": f"{SEEN_VERSION_PREFIX}{original.pk}",
                    "pending_diff": pending_changes_diff(original),
                    "approve_url": reverse(self._url_name("approve"), args=[original.pk]),
                    "reject_url": reverse(self._url_name("reject"), args=[original.pk]),
                    "kind": self.kind(original),
                    # Nothing here is edited: the moderator decides with the buttons above the fields.
                    "show_save": False,
                    "show_save_and_continue": False,
                    "show_save_and_add_another": False,
                }
            )
        return super().render_change_form(request, context, *args, **kwargs)

    # --- the change page's own "Approve" and "Reject with a reason" (C7) ---

    def _url_name(self, action):
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{action}"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name=self._url_name("approve").removeprefix("admin:"),
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name=self._url_name("reject").removeprefix("admin:"),
            ),
            *super().get_urls(),
        ]

    def _kwork_to_decide(self, request, object_id):
        """The Kwork of the page if this person may decide on it (403 otherwise); None when it is gone."""
        kwork = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, kwork):
            raise PermissionDenied
        return kwork

    def _after_decision(self, request, kwork):
        """Back to the queue once decided; back to the Kwork while it still waits (the decision was refused)."""
        if Kwork.objects.filter(pk=kwork.pk, review_requested_at__isnull=False).exists():
            return redirect(self._url_name("change"), kwork.pk)
        return redirect("admin:marketplace_moderationqueue_changelist")

    def approve_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        kwork = self._kwork_to_decide(request, object_id)
        if kwork is None:
            self.message_user(request, "This Kwork is not waiting for moderation any more.", messages.WARNING)
            return redirect("admin:marketplace_moderationqueue_changelist")
        try:
            _approve_seen(request, kwork)
        except DomainError as error:
            self.message_user(request, error.message, messages.WARNING)
        else:
            self.message_user(request, f"Approved “{kwork.title}”.", messages.SUCCESS)
        return self._after_decision(request, kwork)

    def reject_view(self, request, object_id):
        kwork = self._kwork_to_decide(request, object_id)
        if kwork is None:
            self.message_user(request, "This Kwork is not waiting for moderation any more.", messages.WARNING)
            return redirect("admin:marketplace_moderationqueue_changelist")
        page = _reject(
            self,
            request,
            self.get_queryset(request).filter(pk=kwork.pk),
            cancel_url=reverse(self._url_name("change"), args=[kwork.pk]),
        )
        return page or self._after_decision(request, kwork)

    @admin.display(description="Version")
    def seen_version(self, obj):
        """The version this row shows, sent back with "Approve" (a seller's edit after this page loaded is refused)."""
        return format_html(
            '<input type="hidden" name="{}{}" value="{}">{}',
            SEEN_VERSION_PREFIX,
            obj.pk,
            obj.moderation_version,
            obj.moderation_version,
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Waiting", ordering="review_requested_at")
    def waiting(self, obj):
        if obj.review_requested_at is None:
            return "—"
        return f"{timesince(obj.review_requested_at, timezone.now())} (since {date_filter(obj.review_requested_at, 'd M H:i')})"

    @admin.display(description="Kind")
    def kind(self, obj):
        return "Changes to an approved Kwork" if obj.approved_at else "New Kwork"

    @admin.action(description="Approve the selected Kworks", permissions=["change"])
    def approve(self, request, queryset):
        _approve(self, request, queryset)

    @admin.action(description="Reject the selected Kworks with a reason…", permissions=["change"])
    def reject(self, request, queryset):
        return _reject(self, request, queryset)


@admin.register(ModerationQueue)
class ModerationQueueAdmin(KworkAdminBase):
    list_display = ("title", "kind", "seller", "category", "waiting", "seen_version")
    list_display_links = ("title",)
    ordering = ("review_requested_at", "pk")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(review_requested_at__isnull=False)
            .order_by(F("review_requested_at").asc(), "pk")
        )


@admin.register(Kwork)
class KworkAdmin(KworkAdminBase):
    list_display = (
        "title",
        "seller",
        "category",
        "status",
        "auto_paused",
        "price_cents",
        "created_at",
        "seen_version",
    )
    list_filter = ("status", "auto_paused", "weekend_hidden", "uses_packages")
    date_hierarchy = "created_at"


@admin.register(Favourite)
class FavouriteAdmin(StaffAdmin):
    list_display = ("user", "kwork", "created_at")
    list_select_related = ("user", "kwork")
    raw_id_fields = ("user", "kwork")


@admin.register(CartItem)
class CartItemAdmin(StaffAdmin):
    list_display = ("user", "kwork", "quantity", "added_at")
    list_select_related = ("user", "kwork")
    raw_id_fields = ("user", "kwork", "package")
