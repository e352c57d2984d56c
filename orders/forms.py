"""Forms of the order pages. They only parse input; every rule is checked by orders.services."""

from django import forms

from common.forms import AttachmentsField, BlankFormCache

from . import rules


def _textarea(rows, placeholder=""):
    return forms.Textarea(attrs={"rows": rows, "placeholder": placeholder})


class RequirementsForm(BlankFormCache, forms.Form):
    text = forms.CharField(
        label="Your requirements",
        max_length=rules.REQUIREMENTS_MAX_LENGTH,
        widget=_textarea(6, "Everything the seller needs to start: texts, examples, access, wishes…"),
    )
    files = AttachmentsField(label="Files", max_files=rules.MAX_FILES_PER_MESSAGE)


class DeliveryForm(BlankFormCache, forms.Form):
    message = forms.CharField(
        label="Message to the buyer",
        max_length=rules.DELIVERY_MAX_LENGTH,
        widget=_textarea(5, "What you did and how to use it."),
    )
    files = AttachmentsField(label="Result files", max_files=rules.MAX_FILES_PER_MESSAGE)


class RevisionForm(BlankFormCache, forms.Form):
    reason = forms.CharField(
        label="What should be changed",
        min_length=rules.REVISION_REASON_MIN_LENGTH,
        max_length=rules.REASON_MAX_LENGTH,
        widget=_textarea(4, "Describe the changes, within the volume you ordered."),
        help_text="The order goes back to the seller, who delivers again.",
        error_messages={
            "min_length": f"Please describe what should be changed in at least {rules.REVISION_REASON_MIN_LENGTH} "
            "characters, so the seller knows what to do."
        },
    )


class CancelForm(forms.Form):
    """The reasons offered come from services.cancellation_reasons_for (who asks, the order's state)."""

    reason = forms.ChoiceField(label="Reason", widget=forms.RadioSelect)
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=rules.REASON_MAX_LENGTH,
        widget=_textarea(3, "A few words for the other side."),
    )

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(reason.code, reason.label) for reason in reasons]


class MessageForm(BlankFormCache, forms.Form):
    text = forms.CharField(
        label="Message",
        required=False,
        max_length=rules.MESSAGE_MAX_LENGTH,
        widget=_textarea(3, "Write a message…"),
    )
    files = AttachmentsField(label="Attach files", max_files=rules.MAX_FILES_PER_MESSAGE)

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("files") and not self.errors:
            self.add_error("text", "Write a message or attach a file.")
        return data
