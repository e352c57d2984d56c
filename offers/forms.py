"""The seller's offer form. It only parses input; every rule is checked by offers.services."""

from django import forms

from common.money import format_cents
from payments.forms import DollarsField

from . import rules


class OfferForm(forms.Form):
    kwork = forms.ModelChoiceField(
        label="Built on your Kwork",
        queryset=None,
        empty_label=None,
        help_text="The order will belong to this Kwork.",
    )
    title = forms.CharField(label="Title", max_length=rules.TITLE_MAX_LENGTH)
    description = forms.CharField(
        label="What you will do",
        max_length=rules.DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    price = DollarsField(
        label="Price, USD",
        help_text=f"From {format_cents(rules.PRICE_MIN_CENTS)} to {format_cents(rules.PRICE_MAX_CENTS)}.",
    )
    lead_time_days = forms.IntegerField(
        label="Lead time, days",
        min_value=rules.LEAD_TIME_MIN_DAYS,
        max_value=rules.LEAD_TIME_MAX_DAYS,
    )
    expires_in_days = forms.IntegerField(
        label="The buyer may accept it for, days",
        initial=rules.EXPIRY_DEFAULT_DAYS,
        min_value=rules.EXPIRY_MIN_DAYS,
        max_value=rules.EXPIRY_MAX_DAYS,
    )

    def __init__(self, *args, kworks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kwork"].queryset = kworks


class AskForm(forms.Form):
    text = forms.CharField(
        label="Your message",
        max_length=rules.DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Say what you need, your deadline and your budget. No contact details: everything goes through the site.",
    )
