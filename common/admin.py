"""The staff side of the admin, shared by every app: the bases that show and edit money in dollars
(StaffAdmin, StaffTabularInline), and one runner for admin actions: the admin never writes around a service.
Each selected row goes through the service on its own, so one refusal does not undo the others, and every
refusal is reported with its row."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.shortcuts import render
from django.utils.text import capfirst

from common.errors import DomainError
from common.money import format_cents

# --- money in dollars ------------------------------------------------------------------------------------
# Money is stored in integer cents in fields named "*_cents". Staff read and type dollars: every ModelAdmin and
# inline of the project is built on StaffAdmin / StaffTabularInline, which show those fields as "$15.00" under
# a label without "cents" (lists, read-only fields, inlines) and edit them in dollars.

_money_displays = {}


def is_money_field(field):
    return isinstance(field, models.IntegerField) and field.name.endswith("_cents")


def money_label(field):
    return capfirst(field.verbose_name.removesuffix(" cents").removesuffix(" in cents"))


def money_display(model, name):
    """The one display callable of a money field (the same object every time: the admin finds read-only fields
    by identity)."""
    key = (model, name)
    if key not in _money_displays:
        field = model._meta.get_field(name)

        @admin.display(description=money_label(field), ordering=name)
        def display(obj):
            return format_cents(getattr(obj, name))

        display.__name__ = name.removesuffix("_cents")
        _money_displays[key] = display
    return _money_displays[key]


def _money_names(model):
    return {field.name for field in model._meta.concrete_fields if is_money_field(field)}


class AdminDollarsField(forms.DecimalField):
    """A money field edited in dollars ("15" or "15.00"), stored as cents."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "step": "0.01"})

    def prepare_value(self, value):
        # The stored value (cents) is shown in dollars; what a person typed is shown back as typed.
        if isinstance(value, int):
            return f"{Decimal(value) / 100:.2f}"
        return super().prepare_value(value)

    def clean(self, value):
        dollars = super().clean(value)
        return None if dollars is None else int((dollars * 100).to_integral_value())

    def has_changed(self, initial, data):
        try:
            return self.clean(data) != initial
        except forms.ValidationError:
            return True


class MoneyInDollarsMixin:
    """See the note above. Subclasses name their read-only fields in `readonly_names` (not get_readonly_fields),
    so money among them is shown in dollars too."""

    def readonly_names(self, request, obj=None):
        return list(self.readonly_fields)

    def _shown_readonly(self, request, obj):
        names = {name for name in self.readonly_names(request, obj) if isinstance(name, str)}
        if obj is not None and not self.has_change_permission(request, obj):
            names |= _money_names(self.model)  # the admin shows every field read-only then
        return names

    def _money(self, names, readonly):
        money = _money_names(self.model)
        return [
            money_display(self.model, name)
            if isinstance(name, str) and name in money and name in readonly
            else name
            for name in names
        ]

    def get_readonly_fields(self, request, obj=None):
        names = list(self.readonly_names(request, obj))
        readonly = self._shown_readonly(request, obj)
        names += [name for name in _money_names(self.model) if name in readonly and name not in names]
        return self._money(names, readonly)

    def get_fields(self, request, obj=None):
        return self._money(super().get_fields(request, obj), self._shown_readonly(request, obj))

    def get_fieldsets(self, request, obj=None):
        if self.fieldsets is None:
            return super().get_fieldsets(request, obj)
        readonly = self._shown_readonly(request, obj)
        return [
            (name, {**options, "fields": self._money(options["fields"], readonly)})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if is_money_field(db_field) and db_field.editable:
            return AdminDollarsField(
                label=f"{money_label(db_field)} ($)",
                required=not db_field.blank and not db_field.null,
                help_text=db_field.help_text,
                initial=db_field.get_default() if db_field.has_default() else None,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class StaffAdmin(MoneyInDollarsMixin, admin.ModelAdmin):
    def get_list_display(self, request):
        money = _money_names(self.model)
        return [
            money_display(self.model, name) if isinstance(name, str) and name in money else name
            for name in super().get_list_display(request)
        ]


class StaffTabularInline(MoneyInDollarsMixin, admin.TabularInline):
    pass


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
    modeladmin,
    request,
    queryset,
    *,
    form_class,
    intro,
    submit_label,
    call,
    done_message,
    item_label=str,
    title="",
    cancel_url="",
):
    """An action that first asks for a reason on an intermediate page, then runs `call(obj, cleaned_data)` per
    row through `admin_action_run`. Rejections and removals of every app share it (and its one template); a
    change page's own "Reject" button uses it too, with `cancel_url` leading back to that page. Returns None
    once the rows went through the service, else the page with the form."""
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
            "cancel_url": cancel_url,
        },
    )
