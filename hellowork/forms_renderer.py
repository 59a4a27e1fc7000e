from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Every field rendered the same way: label (no colon: this is Japanese), a 必須 mark,
    help text, errors tied to the input by aria-describedby."""

    field_template_name = "includes/field.html"
