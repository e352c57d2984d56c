"""Forms of the order pages. They only parse input; every rule is checked by orders.services."""

from django import forms
from django.core.exceptions import ValidationError

from common.uploads import MAX_UPLOAD_BYTES, validate_attachment

from . import rules

FILES_HELP = (
    f"Up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB each: images, video, audio, zip or rar. "
    "Larger files: share a cloud link."
)
MAX_FILES = rules.MAX_FILES_PER_MESSAGE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several C6 files in one input (M5): each one checked by content and size next to the field."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", FILES_HELP)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("data-max-bytes", str(MAX_UPLOAD_BYTES))

    def clean(self, data, initial=None):
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > MAX_FILES:
            raise ValidationError(f"Attach at most {MAX_FILES} files at once.", code="too_many")
        errors, cleaned = [], []
        for upload in uploads:
            try:
                cleaned.append(validate_attachment(super().clean(upload, initial)))
            except ValidationError as error:
                errors.extend(error.messages)
            finally:
                if hasattr(upload, "seek"):
                    upload.seek(0)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _textarea(rows, placeholder=""):
    return forms.Textarea(attrs={"rows": rows, "placeholder": placeholder})


class RequirementsForm(forms.Form):
    text = forms.CharField(
        label="Your requirements",
        max_length=rules.REQUIREMENTS_MAX_LENGTH,
        widget=_textarea(6, "Everything the seller needs to start: texts, examples, access, wishes…"),
    )
    files = AttachmentsField(label="Files")


class DeliveryForm(forms.Form):
    message = forms.CharField(
        label="Message to the buyer",
        max_length=rules.DELIVERY_MAX_LENGTH,
        widget=_textarea(5, "What you did and how to use it."),
    )
    files = AttachmentsField(label="Result files")


class RevisionForm(forms.Form):
    reason = forms.CharField(
        label="What should be changed",
        max_length=rules.REASON_MAX_LENGTH,
        widget=_textarea(4, "Describe the changes, within the volume you ordered."),
        help_text="The order goes back to the seller, who delivers again.",
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


class MessageForm(forms.Form):
    text = forms.CharField(
        label="Message",
        required=False,
        max_length=rules.MESSAGE_MAX_LENGTH,
        widget=_textarea(3, "Write a message…"),
    )
    files = AttachmentsField(label="Attach files")

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("files") and not self.errors:
            self.add_error("text", "Write a message or attach a file.")
        return data
