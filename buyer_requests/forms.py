"""Forms of the buyer requests pages. They only parse input; every rule is checked by buyer_requests.services."""

from django import forms

from common.forms import AttachmentsField
from common.money import format_cents
from marketplace.models import Category
from payments.forms import DollarsField

from . import rules


class SubcategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} › {obj.name}"


class RequestForm(forms.Form):
    title = forms.CharField(
        label="What do you need?",
        max_length=rules.TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "For example: a logo for my bakery"}),
    )
    description = forms.CharField(
        label="Describe the task",
        max_length=rules.DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the result should be, examples you like, deadlines. No contact details: sellers answer here.",
    )
    subcategory = SubcategoryField(
        label="Subcategory",
        queryset=Category.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name"),
        empty_label="Choose…",
    )
    budget = DollarsField(
        label="Budget, USD",
        help_text=f"From {format_cents(rules.BUDGET_MIN_CENTS)} to {format_cents(rules.BUDGET_MAX_CENTS)}.",
    )
    files = AttachmentsField(label="Attach files (optional)", max_files=rules.MAX_FILES)


class OfferForm(forms.Form):
    """Q3: the seller's answer: a message and one of their Kworks in the request's category, or (Advanced and
    Professional sellers) an individual offer whose fields come from offers.forms.OfferForm (prefix "custom")."""

    KIND_KWORK = "kwork"
    KIND_INDIVIDUAL = "individual"

    kind = forms.ChoiceField(
        label="Answer with",
        choices=[(KIND_KWORK, "One of my Kworks"), (KIND_INDIVIDUAL, "An individual offer")],
        initial=KIND_KWORK,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label="Message to the buyer",
        max_length=rules.OFFER_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    kwork = forms.ModelChoiceField(
        label="Your Kwork in this category", queryset=None, required=False, empty_label="Choose…"
    )

    def __init__(self, *args, kworks, individual_allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kwork"].queryset = kworks
        if not individual_allowed:
            # Newbies answer with a Kwork; a forged "individual" reaches the service, which says why not (R8).
            self.fields["kind"].widget = forms.HiddenInput()


class SubscriptionsForm(forms.Form):
    categories = forms.ModelMultipleChoiceField(
        label="Tell me about new requests in",
        queryset=Category.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
