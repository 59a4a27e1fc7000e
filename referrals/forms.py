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


# -- when it goes wrong anyway ------------------------------------------------------------


class RetractForm(SeekerBoundForm):
    reason = forms.CharField(
        label=_("撤回の理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例: 求職者が応募を希望した事業所と別の事業所に紹介していた。"),
    )


class RejectRetractionForm(SeekerBoundForm):
    reason = forms.CharField(
        label=_("却下の理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TaskForm(SeekerBoundForm):
    """One incident task: how, on which day, and a note. The methods depend on the task."""

    method = forms.ChoiceField(label=_("方法"), widget=forms.RadioSelect)
    done_on = SpokenDateField(label=_("実施日"), help_text=_("例: 2026-06-09、令和8年6月9日"))
    note = forms.CharField(
        label=_("メモ（相手・内容など）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, methods: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["method"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = methods
        field.error_messages["required"] = _("方法を選んでください。")
        field.error_messages["invalid_choice"] = _("方法は一覧から選んでください。")


class IncidentReportForm(SeekerBoundForm):
    summary = forms.CharField(
        label=_("概要"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("いつ、どの事業所に、何が、どのように送られたか。"),
    )
    data_items = forms.CharField(
        label=_("漏えいした個人データの項目"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    people_count = forms.IntegerField(
        label=_("本人の数"),
        min_value=1,
        max_value=100000,
        error_messages={
            "required": _("本人の数を入力してください。"),
            "invalid": _("本人の数は1以上の整数で入力してください。"),
            "min_value": _("本人の数は1以上の整数で入力してください。"),
        },
    )
    cause = forms.CharField(
        label=_("発生原因"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    secondary_harm = forms.CharField(
        label=_("二次被害の有無"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("二次被害またはそのおそれの有無と、その内容。"),
    )
    response_to_people = forms.CharField(
        label=_("本人への対応"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    publication = forms.CharField(
        label=_("公表"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("公表の有無、公表した日と方法。"),
    )
    prevention = forms.CharField(
        label=_("再発防止策"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class AlertResolveForm(forms.Form):
    note = forms.CharField(
        label=_("対応の記録"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("何を確認し、どう対応したか。撤回した場合はその旨も。"),
        error_messages={"required": _("何を確認し、どう対応したかを入力してください。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class SelfInspectionForm(forms.Form):
    """This month's check sheet: one はい / いいえ per active item, and a note."""

    note = forms.CharField(
        label=_("所見・対応（「いいえ」がある場合は必ず）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=item.text,
                choices=[("yes", _("はい")), ("no", _("いいえ"))],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
                error_messages={"required": _("「はい」か「いいえ」を選んでください。")},
            )
        self.order_fields([f"item_{item.pk}" for item in items] + ["note"])

    def item_fields(self) -> list[forms.BoundField]:
        return [self[f"item_{item.pk}"] for item in self.items]

    def answers(self) -> dict[int, bool]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items}


class QuarterForm(forms.Form):
    quarter = forms.ChoiceField(label=_("四半期"))

    def __init__(self, *args: Any, quarters: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["quarter"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = quarters
        field.error_messages["invalid_choice"] = _("一覧にある四半期を選んでください。")
