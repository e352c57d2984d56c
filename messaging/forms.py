"""Forms of the inbox. They only parse input; every rule is checked by messaging.services."""

from django import forms

from common.forms import AttachmentsField

from . import rules


class MessageForm(forms.Form):
    text = forms.CharField(
        label="Message",
        required=False,
        max_length=rules.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a message…"}),
    )
    files = AttachmentsField(label="Attach files", max_files=rules.MAX_FILES_PER_MESSAGE)

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("files") and not self.errors:
            self.add_error("text", "Write a message or attach a file.")
        return data
