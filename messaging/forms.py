"""Forms of the inbox. They only parse input; every rule is checked by messaging.services."""

from django import forms
from django.core.exceptions import ValidationError

from common.uploads import MAX_UPLOAD_BYTES, validate_attachment

from . import rules

FILES_HELP = (
    f"Up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB each: images, video, audio, zip or rar. "
    "Larger files: share a cloud link."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """M5: several C6 files in one input, each checked by content and size next to the field."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", FILES_HELP)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("data-max-bytes", str(MAX_UPLOAD_BYTES))

    def clean(self, data, initial=None):
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(uploads) > rules.MAX_FILES_PER_MESSAGE:
            raise ValidationError(f"Attach at most {rules.MAX_FILES_PER_MESSAGE} files at once.", code="too_many")
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


class MessageForm(forms.Form):
    text = forms.CharField(
        label="Message",
        required=False,
        max_length=rules.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a message…"}),
    )
    files = AttachmentsField(label="Attach files")

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("files") and not self.errors:
            self.add_error("text", "Write a message or attach a file.")
        return data
