"""The fields of a selection result (採用 / 不採用), shared by the counter's and the my
page's forms."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hellowork.fields import SpokenDateField
from referrals.models import NotHiredReason, SelectionOutcome
from referrals.services.results import NOTE_MAX_LENGTH

YES_NO = [("yes", _("あり")), ("no", _("なし"))]


class SelectionResultFields(forms.Form):
    """What a selection result says, by every route: the my page's form
    (employer_portal.forms.SelectionResultForm) and the counter's (counter.forms.ResultReceiveForm).
    Here, not in counter/, because both UIs build on it and neither imports the other."""

    result = forms.ChoiceField(
        label=_("選考結果"),
        choices=SelectionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("選考結果を「採用」か「不採用」から選んでください。")},
    )
    start_date = SpokenDateField(
        label=_("入社予定日（採用の場合）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("例: 2026-04-01"),
        error_messages={"invalid_date": _("入社予定日を「2026-04-01」の形で入力してください。")},
    )
    not_hired_reason = forms.ChoiceField(
        label=_("不採用の理由（不採用の場合・任意）"),
        required=False,
        choices=[("", _("選択しない")), *NotHiredReason.choices],
        error_messages={"invalid_choice": _("不採用の理由は一覧から選んでください。")},
    )
    conditions_differ = forms.TypedChoiceField(
        label=_("求人票の内容と採用条件の相違"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("求人票と採用条件の相違の有無を選んでください。")},
    )
    conditions_difference = forms.CharField(
        label=_("相違の内容（相違がある場合）"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("例: 賃金、就業時間、雇用形態など、求人票と違う点"),
    )

    def clean(self) -> dict[str, Any]:
        """Fields that do not apply to the chosen answer are dropped, not refused: the page
        shows them all (no script) and what was left in one of them is not an answer."""
        data = super().clean() or {}
        if data.get("result") == SelectionOutcome.NOT_HIRED:
            data["start_date"] = None
        elif data.get("result") == SelectionOutcome.HIRED:
            data["not_hired_reason"] = ""
        if data.get("conditions_differ") is False:
            data["conditions_difference"] = ""
        return data
