from decimal import Decimal

from django import forms

from . import rules


class DollarsField(forms.DecimalField):
    """An amount typed in dollars ("12.50"), cleaned to integer cents."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "step": "0.01"})
        self.error_messages["min_value"] = "The amount must be more than zero."

    def clean(self, value):
        dollars = super().clean(value)
        return None if dollars is None else int((dollars * 100).to_integral_value())


class TopUpForm(forms.Form):
    amount = DollarsField(
        label="Amount, USD",
        help_text=f"From ${rules.TOPUP_MIN_CENTS // 100} to ${rules.TOPUP_MAX_CENTS // 100:,}. Credited to the main part of your balance.",
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)


class PromoForm(forms.Form):
    code = forms.CharField(label="Promo code", max_length=40)


class WithdrawalForm(forms.Form):
    amount = DollarsField(label="Amount to withdraw, USD")


class PayoutDetailsForm(forms.Form):
    holder_name = forms.CharField(label="Card holder", max_length=100)
    card_fingerprint = forms.ChoiceField(label="Card", required=False)
    card_last4 = forms.CharField(
        label="Last four digits of the card",
        max_length=4,
        min_length=4,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{4}", "autocomplete": "off"}),
    )

    def __init__(self, *args, cards=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cards = cards or {}
        if self.cards:
            self.fields["card_fingerprint"].choices = [
                (fp, f"Card •••• {last4}") for fp, last4 in self.cards.items()
            ]
            self.fields["card_fingerprint"].required = True
            self.fields["card_fingerprint"].help_text = "Money added by card goes back only to that card."
            del self.fields["card_last4"]
        else:
            del self.fields["card_fingerprint"]
            self.fields["card_last4"].required = True


class RejectForm(forms.Form):
    reason = forms.CharField(label="Reason (sent to the user)", max_length=300)
