from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Every form renders with the site's own field markup: label, input, help, errors next to the field."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"
