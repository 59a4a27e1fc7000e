"""Counter forms. Every form that acts on a seeker's records carries the id of the seeker
its screen was opened for, and refuses to act if the record now belongs to someone else:
a stale screen (the previous seeker's, still open) must never act on another seeker."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hellowork.fields import SpokenDateField
from hellowork.identifiers import IdentifierFormField
from referrals.models import Decision

STALE_SCREEN = _(
    "この画面は別の求職者のために開かれたものです。対応中の求職者の画面を開き直してください。"
)


class SeekerBoundForm(forms.Form):
    seeker = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, seeker_id: int, **kwargs: Any) -> None:
        self.seeker_id = seeker_id
        kwargs.setdefault("initial", {})["seeker"] = seeker_id
        super().__init__(*args, **kwargs)

    def clean_seeker(self) -> int:
        value = self.cleaned_data["seeker"]
        if value != self.seeker_id:
            raise ValidationError(STALE_SCREEN, code="stale_screen")
        return value


class SeekerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("求職番号またはカナ氏名"),
        max_length=50,
        help_text=_("例: 07040-00001234 / ヤマダ ハナコ（ひらがなも可）"),
    )


class OpenConsultationForm(SeekerBoundForm):
    in_person = forms.TypedChoiceField(
        label=_("相談の形"),
        choices=[("1", _("対面（求職者が窓口にいる）")), ("0", _("対面でない（電話・書類など）"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


class InterestForm(SeekerBoundForm):
    posting_number = IdentifierFormField(shape="posting", label=_("求人番号"))
    decision = forms.ChoiceField(
        label=_("求職者の意向"), choices=Decision.choices, widget=forms.RadioSelect
    )


class DecisionForm(SeekerBoundForm):
    """Changes the decision on a posting already discussed."""

    posting = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("求職者の意向"), choices=Decision.choices)


class NoteForm(SeekerBoundForm):
    note = forms.CharField(
        label=_("相談内容のメモ"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("電話で聞いた希望なども記録します。承認する統括官が参照します。"),
    )


class DraftForm(SeekerBoundForm):
    posting = forms.IntegerField(widget=forms.HiddenInput)


class MergeForm(SeekerBoundForm):
    source = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmInSessionForm(SeekerBoundForm):
    posting_digits = forms.CharField(
        label=_("求人番号の下4桁（求職者が求人票から読み上げた数字）"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    seeker_birth_date = SpokenDateField(
        label=_("生年月日（求職者が言った日付）"),
        help_text=_(
            "画面には表示されません。求職者に言ってもらってください。"
            "例: 1985-04-01、19850401、昭和60年4月1日、S60.4.1"
        ),
    )

    def clean_seeker_birth_date(self) -> datetime.date:
        value = self.cleaned_data["seeker_birth_date"]
        if not datetime.date(1900, 1, 1) <= value <= timezone.localdate():
            raise ValidationError(_("生年月日を確かめてください。"))
        return value


class ActionForm(SeekerBoundForm):
    """A button that only needs the seeker check (submit, close)."""


class ReasonForm(SeekerBoundForm):
    reason = forms.CharField(
        label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class StatementForm(SeekerBoundForm):
    stated_posting_number = IdentifierFormField(
        shape="posting",
        label=_("求職者が応募を希望した求人の求人番号"),
        help_text=_("相談記録や電話メモから、求職者が希望した求人の番号を入力してください。"),
    )


class ApproveForm(SeekerBoundForm):
    stated_posting_number = forms.CharField(widget=forms.HiddenInput, max_length=32)
