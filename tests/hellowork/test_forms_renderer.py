"""The form renderer (issue 18): Django's Jinja2 widget templates with our field template,
the admin's Django-template widgets still found, the same words in both languages."""

import re

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.template import TemplateDoesNotExist
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as JinjaTemplate
from django.utils import translation

from hellowork.forms_renderer import FormRenderer
from hellowork.models import StaffMember


class NameForm(forms.Form):
    name = forms.CharField(label="氏名", help_text="戸籍の表記で")
    choice = forms.ChoiceField(
        label="区分", choices=[("a", "甲"), ("b", "乙")], widget=forms.RadioSelect, required=False
    )


def test_widgets_and_our_field_template_come_from_jinja2() -> None:
    renderer = FormRenderer()
    assert isinstance(renderer.get_template("includes/field.html"), JinjaTemplate)
    assert isinstance(renderer.get_template("django/forms/widgets/select.html"), JinjaTemplate)


def test_templates_only_django_templates_have_are_still_found() -> None:
    renderer = FormRenderer()
    template = renderer.get_template("admin/widgets/foreign_key_raw_id.html")
    assert isinstance(template, DjangoTemplate)
    with pytest.raises(TemplateDoesNotExist):
        renderer.get_template("no/such/template.html")


def test_an_admin_widget_with_only_a_django_template_still_renders() -> None:
    # Its template exists only as a Django template: found there, it renders as before.
    relation = StaffMember._meta.get_field("office").remote_field
    html = ForeignKeyRawIdWidget(relation, admin.site).render("office", "", attrs={"id": "o"})
    assert '<input type="text" name="office" id="o" class="vForeignKeyRawIdAdminField"' in html


def test_field_group_label_required_mark_help_and_errors() -> None:
    form = NameForm(data={"name": ""})
    html = form["name"].as_field_group()
    assert (
        '<label for="id_name" class="field-label">氏名 <span class="required">必須</span></label>'
        in html
    )
    assert '<div class="helptext" id="id_name_helptext">戸籍の表記で</div>' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'class="field field--error"' in html
    assert 'id="id_name_error"' in html


def test_a_radio_group_is_a_fieldset_with_its_legend() -> None:
    html = NameForm()["choice"].as_field_group()
    assert '<fieldset> <legend class="field-label">区分</legend>' in re.sub(r"\s+", " ", html)
    assert 'type="radio" name="choice" value="a"' in html
    assert "必須" not in html  # not required: no mark


def test_the_required_mark_is_translated() -> None:
    with translation.override("en"):
        html = NameForm()["name"].as_field_group()
    assert '<span class="required">Required</span>' in html


def test_values_are_escaped() -> None:
    form = NameForm(data={"name": '"><script>x</script>'})
    html = form["name"].as_field_group()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
