"""The form renderer: Django's own Jinja2 widget templates, the admin's in Django templates.

A page of the counter or the my page draws its forms field by field; with Django templates
each field is a dozen nested template renders (the field, its label, its widget, the
widget's attributes, each option), and the profiles of issue 18 put 13-24% of the list's
and the issuance screen's CPU there. Django ships every widget's template for Jinja2 too
(django/forms/jinja2), which render the same HTML several times faster. Templates only
Django templates have (the admin's widgets, django-import-export's) are still found there.

Two differences to keep in mind: Jinja2 does not localise values the way Django templates
do, so a choice label must be a string (a date or a datetime would print raw, in UTC);
and a Jinja2 widget template's own includes are looked up in Jinja2 only, so a custom
widget keeps its templates in one engine.
"""

from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import BaseRenderer
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2
from django.template.loader import get_template
from django.utils import translation
from django.utils.functional import cached_property
from jinja2 import Environment

HERE = Path(__file__).parent


def environment(**options: Any) -> Environment:
    """Jinja2 with Django's translations: `{{ _("必須") }}` is `gettext`, so the same
    catalogue (makemessages reads `_("...")` in any .html) serves both engines."""
    options.pop("autoescape", None)  # Django's backend sets it; it must stay on
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_translations(translation, newstyle=True)  # type: ignore[attr-defined]
    return env


class FormRenderer(BaseRenderer):
    """Every field rendered the same way: label (no colon: this is Japanese), a 必須 mark,
    help text, errors tied to the input by aria-describedby (hellowork/jinja2/includes/
    field.html)."""

    field_template_name = "includes/field.html"

    @cached_property
    def jinja(self) -> Jinja2:
        return Jinja2(
            {
                "APP_DIRS": False,
                # Ours first: a template here replaces Django's of the same name.
                "DIRS": [HERE / "jinja2", Path(django.forms.__file__).parent / "jinja2"],
                "NAME": "forms",
                "OPTIONS": {"environment": "hellowork.forms_renderer.environment"},
            }
        )

    def get_template(self, template_name: str) -> Any:
        try:
            return self.jinja.get_template(template_name)
        except TemplateDoesNotExist:
            return get_template(template_name)
