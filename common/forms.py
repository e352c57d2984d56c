from django import forms
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.forms.renderers import TemplatesSetting
from django.utils.autoreload import file_changed

from common.uploads import MAX_UPLOAD_BYTES, validate_attachment


class FormRenderer(TemplatesSetting):
    """Every form renders with the site's own field markup: label, input, help, errors next to the field."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


_BLANK_HTML = {}


class BlankFormCache:
    """A form whose blank rendering is the same for everyone (no choices, initial values or attributes of its own
    per instance): the HTML of its blank `{{ form }}` is rendered once per process and reused. Its fields and
    widgets go through several templates each, a few milliseconds on pages that show such a form on every view
    (the order page's chat and requirements). A bound form, or one given a prefix, initial values or another
    template, renders as usual."""

    def render(self, template_name=None, context=None, renderer=None):
        if self.is_bound or template_name or context or renderer or self.prefix or self.initial:
            return super().render(template_name, context, renderer)
        key = (type(self), type(self.renderer), self.auto_id, self.label_suffix, self.use_required_attribute)
        html = _BLANK_HTML.get(key)
        if html is None:
            html = _BLANK_HTML[key] = super().render()
        return html

    __str__ = __html__ = render


@receiver(file_changed, dispatch_uid="common.forms.blank_html")
def _forget_blank_html(sender, file_path, **kwargs):
    """runserver reloads templates without restarting: an edited form or widget template is seen at once."""
    _BLANK_HTML.clear()


FILES_HELP = (
    f"Up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB each: images, video, audio, zip or rar. "
    "Larger files: share a cloud link."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """C6/M5: several files in one input, at most `max_files` (the caller's rule), each checked by content and
    size, every refusal shown next to the field. Chats, the inbox, disputes, tickets and requests share it."""

    widget = MultipleFileInput

    def __init__(self, *args, max_files, **kwargs):
        self.max_files = max_files
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
        if len(uploads) > self.max_files:
            raise ValidationError(f"Attach at most {self.max_files} files at once.", code="too_many")
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
