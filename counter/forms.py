"""Counter forms. Every form that acts on a seeker's records carries the id of the seeker
its screen was opened for, and refuses to act if the record now belongs to someone else:
a stale screen (the previous seeker's, still open) must never act on another seeker."""

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from hellowork.fields import SpokenDateField
from hellowork.identifiers import ESTABLISHMENT_NUMBER, IdentifierFormField, normalize
from hellowork.language import JapaneseModelChoiceField, japanese
from hellowork.models import Establishment
from hellowork.wareki import parse_date
from referrals.exports import CsvEncoding
from referrals.models import (
    ApprovalSource,
    CounterDisplay,
    Decision,
    UnreachedReason,
)
from referrals.result_fields import SelectionResultFields
from referrals.selectors import SEARCH_MIN_DIGITS, seeker_search_terms
from referrals.services.results import GIVEN_BY_MAX_LENGTH, STAFF_ROUTES

if TYPE_CHECKING:
    from django.db.models import QuerySet

STALE_SCREEN = _(
    "この画面は別の求職者のために開かれたものです。対応中の求職者の画面を開き直してください。"
)


def record_id_field() -> forms.IntegerField:
    """A record's id carried in a hidden input: a positive 64-bit integer, so a forged
    2**63 is a form error, not an overflow in the database driver."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)


class SeekerBoundForm(forms.Form):
    seeker = record_id_field()

    def __init__(self, *args: Any, seeker_id: int, **kwargs: Any) -> None:
        self.seeker_id = seeker_id
        kwargs.setdefault("initial", {})["seeker"] = seeker_id
        super().__init__(*args, **kwargs)

    def clean_seeker(self) -> int:
        value: int = self.cleaned_data["seeker"]
        if value != self.seeker_id:
            raise ValidationError(STALE_SCREEN, code="stale_screen")
        return value


class SeekerSearchForm(forms.Form):
    """One box for however the seeker names themselves (selectors.seeker_search_terms)."""

    q = forms.CharField(
        label=_("求職番号・氏名・生年月日"),
        max_length=50,
        help_text=_(
            "例: 07040-00001234 / 1234（番号の一部）/ 山田 / やまだ はなこ / 1990-05-17 / "
            "H2.5.17。スペースで区切るとすべてに当てはまる人を探します。"
        ),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )

    def clean_q(self) -> str:
        query: str = self.cleaned_data["q"]
        try:
            seeker_search_terms(query)
        except ValueError as short:
            raise ValidationError(
                _(
                    "「%(term)s」は番号として短すぎます。番号の一部で探すときは"
                    "%(digits)d桁以上入力してください。"
                ),
                code="too_short",
                params={"term": str(short), "digits": SEARCH_MIN_DIGITS},
            ) from None
        return query


class OpenConsultationForm(SeekerBoundForm):
    """In person needs the desk's seeker-facing display (rule 3): the clerk picks it once,
    and the counter offers it again for the rest of the session."""

    in_person = forms.TypedChoiceField(
        label=_("相談の形"),
        choices=[("1", _("対面（求職者が窓口にいる）")), ("0", _("対面でない（電話・書類など）"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    display = JapaneseModelChoiceField(
        label=_("求職者用画面（対面のとき）"),
        queryset=CounterDisplay.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
        help_text=_("求職者に向けた画面です。求職者が自分で確認と生年月日の入力を行います。"),
        error_messages={"invalid_choice": _("一覧にある求職者用画面を選んでください。")},
    )

    def __init__(self, *args: Any, displays: "QuerySet[CounterDisplay]", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["display"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = displays

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("in_person")
            and cleaned.get("display") is None
            and "display" not in self.errors
        ):
            self.add_error(
                "display",
                _(
                    "対面の相談は、求職者用画面を選んで開いてください。求職者用画面のない窓口では"
                    "「対面でない」で開き、統括官の承認に回します。"
                ),
            )
        if cleaned.get("in_person") is False:
            cleaned["display"] = None
        return cleaned


class InterestForm(SeekerBoundForm):
    posting_number = IdentifierFormField(shape="posting", label=_("求人番号"))
    decision = forms.ChoiceField(
        label=_("求職者の意向"), choices=Decision.choices, widget=forms.RadioSelect
    )


class PostingSearchForm(SeekerBoundForm):
    """The clerk's posting search in a consultation (selectors.posting_search): posted, so
    what was typed stays out of the URL like the seeker search."""

    posting_query = forms.CharField(
        label=_("求人を探す"),
        max_length=50,
        help_text=_(
            "求人番号（一部でも可）、事業所名・カナ、職種、事業所番号。"
            "スペースで区切るとすべてに当てはまる求人を探します。"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class DecisionForm(SeekerBoundForm):
    """The seeker's decision on a posting picked from a list (search results, earlier
    consultations, or the postings already discussed)."""

    posting = record_id_field()
    decision = forms.ChoiceField(label=_("求職者の意向"), choices=Decision.choices)


class NoteForm(SeekerBoundForm):
    note = forms.CharField(
        label=_("相談内容のメモ"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "電話で聞いた希望なども記録します。承認の画面には表示しません"
            "（承認する統括官は求職者本人から聞きます）。"
        ),
    )


class DraftForm(SeekerBoundForm):
    posting = record_id_field()


class MergeForm(SeekerBoundForm):
    source = record_id_field()


class ConfirmInSessionForm(SeekerBoundForm):
    """The clerk's half of rule 3, after the seeker's answer on the display."""

    posting_digits = forms.CharField(
        label=_("求人番号の下4桁（求職者の手元の求人票を見て入力）"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}
        ),
    )


class EmployerCallForm(SeekerBoundForm):
    """The call to the employer before issue (issue 20). `outcome` folds "reached" and
    "still accepting" into one choice, so that a keyboard user answers both with the arrow
    keys from the first field (autofocused); the rest is what the letter prints."""

    ACCEPTING, CLOSED, UNREACHED = "accepting", "closed", "unreached"

    outcome = forms.ChoiceField(
        label=_("連絡の結果"),
        choices=[
            (ACCEPTING, _("連絡がつき、応募を受け付けている")),
            (CLOSED, _("連絡がつき、応募の受付を終了していた")),
            (UNREACHED, _("連絡がつかなかった")),
        ],
        widget=forms.RadioSelect(attrs={"autofocus": True}),
        error_messages={"required": _("連絡の結果を選んでください。")},
    )
    # Typed as the employer says it on the phone (2026-12-04, 20261204, 令和8年12月4日),
    # not a date picker: a keyboard user types it straight in.
    interview_date = SpokenDateField(label=_("面接日"), required=False)
    interview_time = forms.TimeField(
        label=_("面接時刻"),
        required=False,
        help_text=_("例: 10:00"),
        widget=forms.TimeInput(
            attrs={"inputmode": "numeric", "autocomplete": "off"}, format="%H:%M"
        ),
    )
    interview_place = forms.CharField(label=_("面接場所"), required=False, max_length=200)
    contact_person = forms.CharField(
        label=_("担当者"),
        required=False,
        max_length=100,
        help_text=_("求人者の採用担当者（紹介状に印刷します）"),
    )
    documents = forms.CharField(
        label=_("応募書類"),
        required=False,
        max_length=200,
        help_text=_("例: 履歴書（写真貼付）、職務経歴書、紹介状"),
    )
    selection_method = forms.CharField(
        label=_("選考方法"),
        required=False,
        max_length=200,
        help_text=_("例: 面接、書類選考、筆記試験"),
    )
    unreached_reason = forms.ChoiceField(
        label=_("連絡がつかなかった理由"),
        choices=UnreachedReason.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    unreached_note = forms.CharField(label=_("その他の理由"), required=False, max_length=200)
    note = forms.CharField(
        label=_("メモ"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("窓口の記録です。紹介状には印刷しません。"),
    )

    def service_arguments(self) -> dict[str, Any]:
        """What `services.employer_call_record` takes, from the cleaned form."""
        data = dict(self.cleaned_data)
        outcome = data.pop("outcome")
        data.pop("seeker")
        return {
            **data,
            "reached": outcome != self.UNREACHED,
            "accepting": {self.ACCEPTING: True, self.CLOSED: False}.get(outcome),
        }


class DisplayRegisterForm(forms.Form):
    label = forms.CharField(
        label=_("窓口の名前"),
        max_length=40,
        help_text=_("例: 第1窓口、2番窓口。職員が相談を開くときに選ぶ名前です。"),
        error_messages={"required": _("窓口の名前を入力してください（例: 第1窓口）。")},
    )


class DisplayPairForm(forms.Form):
    """The pairing code, typed on the display's keypad."""

    code = forms.CharField(
        label=_("ペアリングコード（10桁）"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "autofocus": True,
                "class": "display-input display-input--code",
                "data-keypad-field": "",
            }
        ),
        error_messages={"required": _("統括官の画面に表示された10桁の数字を入力してください。")},
    )


ERAS = [("western", _("西暦")), ("showa", _("昭和")), ("heisei", _("平成"))]
_ERA_PREFIX = {"western": "", "showa": "昭和", "heisei": "平成"}


class DisplayAnswerForm(forms.Form):
    """The seeker's answer on the display: "apply" with the birth date, or "not this job".
    The birth date is checked by the service and never shown or kept."""

    readback = record_id_field()
    answer = forms.ChoiceField(
        choices=[("apply", _("この求人に応募する")), ("decline", _("違う（応募しない）"))],
        widget=forms.HiddenInput,
    )
    era = forms.ChoiceField(
        label=_("年の数え方"),
        choices=ERAS,
        initial="western",
        required=False,
        widget=forms.RadioSelect,
    )
    year = forms.CharField(label=pgettext_lazy("birth date", "年"), max_length=4, required=False)
    month = forms.CharField(label=pgettext_lazy("birth date", "月"), max_length=2, required=False)
    day = forms.CharField(label=pgettext_lazy("birth date", "日"), max_length=2, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("year", "month", "day"):
            self.fields[name].widget.attrs.update(
                {
                    "inputmode": "none",  # the display's own keypad types, not the tablet's
                    "autocomplete": "off",
                    "pattern": "[0-9]*",
                    "class": f"display-input display-input--{name}",
                    "data-keypad-field": "",
                }
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("answer") != "apply":
            return cleaned
        parts = [normalize(cleaned.get(name) or "") for name in ("year", "month", "day")]
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise ValidationError(_("生年月日を、年・月・日の数字で入力してください。"))
        prefix = _ERA_PREFIX.get(cleaned.get("era") or "western", "")
        year, month, day = parts
        try:
            born = parse_date(f"{prefix}{int(year)}年{int(month)}月{int(day)}日")
        except ValueError:
            raise ValidationError(
                _("その日付はありません。年・月・日を確かめてください。")
            ) from None
        if not datetime.date(1900, 1, 1) <= born <= timezone.localdate():
            raise ValidationError(_("その日付はありません。年・月・日を確かめてください。"))
        cleaned["seeker_birth_date"] = born
        return cleaned


class ActionForm(SeekerBoundForm):
    """A button that only needs the seeker check (submit, close)."""


class ReasonForm(SeekerBoundForm):
    reason = forms.CharField(
        label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class StatementForm(SeekerBoundForm):
    """Step 1 of the approval (rule 4): where the supervisor heard the seeker, and the
    posting the seeker named, found by searching all open postings. Two buttons: `action`
    "search" lists postings for `q`; "state" makes the statement. Nothing is listed before
    the supervisor types."""

    source = forms.ChoiceField(
        label=_("求職者の希望をどこで聞きましたか"),
        choices=ApprovalSource.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("求職者の希望をどこで聞いたかを選んでください。")},
    )
    q = forms.CharField(
        label=_("求人を探す"),
        required=False,
        max_length=50,
        help_text=_("求職者が言った求人番号（一部でも可）、事業所名またはカナ、職種で探します。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    stated_posting_number = IdentifierFormField(
        shape="posting", label=_("求職者が応募を希望した求人"), required=False
    )

    @property
    def stating(self) -> bool:
        return self.data.get("action") == "state"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.stating:
            return cleaned
        if not cleaned.get("source") and "source" not in self.errors:
            self.add_error("source", _("求職者の希望をどこで聞いたかを選んでください。"))
        if not cleaned.get("stated_posting_number") and "stated_posting_number" not in self.errors:
            self.add_error(
                "stated_posting_number",
                _("求職者が希望した求人を検索し、一覧から選んでください。"),
            )
        return cleaned


class ApproveForm(SeekerBoundForm):
    statement = record_id_field()


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


class MisdeliveryRestoreForm(forms.Form):
    """Rule 11: the supervisor found the referral right; why, for the record and the
    employer's notice (which does not quote it)."""

    note = forms.CharField(
        label=_("再表示してよいと判断した理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "例: 求職者本人と求人番号を確認し、正しい紹介だった。求人者の担当者に電話で説明した。"
        ),
        error_messages={"required": _("再表示してよいと判断した理由を入力してください。")},
    )


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
            english = not (get_language() or "ja").startswith("ja") and item.text_en
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=item.text_en if english else japanese(item.text),
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


class CsvEncodingForm(forms.Form):
    """The encoding of a figures CSV (referrals.exports)."""

    encoding = forms.ChoiceField(
        label=_("文字コード"), choices=CsvEncoding.choices, initial=CsvEncoding.UTF8_BOM
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["encoding"].error_messages.update(
            required=_("文字コードを選んでください。"),
            invalid_choice=_("文字コードは一覧から選んでください。"),
        )


class MonthExportForm(CsvEncodingForm):
    """A month of the office's figures as CSV: this month or one of the year before."""

    month = forms.ChoiceField(label=_("月"))

    field_order = ["month", "encoding"]

    def __init__(self, *args: Any, months: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["month"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = months
        field.error_messages.update(
            required=_("月を選んでください。"),
            invalid_choice=_("一覧にある月を選んでください。"),
        )


class QuarterExportForm(QuarterForm, CsvEncodingForm):
    """The quarterly report as CSV."""

    field_order = ["quarter", "encoding"]


# -- protected seekers (rule 13) --------------------------------------------------------

PROTECTION_REASON_MAX_LENGTH = 1000
PROTECTION_MAX_ESTABLISHMENTS = 20


class ProtectionSetForm(SeekerBoundForm):
    """A supervisor protects the seeker, or excludes more establishments. Establishments
    are named by their number (事業所番号), never by name: two firms can read alike."""

    establishments = forms.CharField(
        label=_("紹介できない事業所の事業所番号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_(
            "1行に1つ（例: 0701-123456-7）。全角でも入力できます。"
            "保護の理由によっては空のままでもかまいません（住所・電話番号を書類に出さなくなります）。"
        ),
    )
    reason = forms.CharField(
        label=_("保護の理由"),
        max_length=PROTECTION_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "例: 支援措置（DV）の申出、在職中で現在の勤務先に求職活動を知られたくない。"
            "統括官と所長だけが見ます。"
        ),
        error_messages={"required": _("保護の理由を入力してください。")},
    )

    def clean_establishments(self) -> list[Establishment]:
        lines = [line for line in (self.cleaned_data["establishments"] or "").splitlines()]
        numbers = []
        for line in lines:
            if not normalize(line):
                continue
            numbers.append(ESTABLISHMENT_NUMBER.clean(line))
        if len(numbers) > PROTECTION_MAX_ESTABLISHMENTS:
            raise ValidationError(
                _("事業所は一度に%(max)d件までにしてください。")
                % {"max": PROTECTION_MAX_ESTABLISHMENTS}
            )
        found = {e.number: e for e in Establishment.objects.filter(number__in=numbers)}
        missing = [number for number in numbers if number not in found]
        if missing:
            raise ValidationError(
                _("登録のない事業所番号です: %(numbers)s")
                % {"numbers": _("、").join(dict.fromkeys(missing))}
            )
        return list(dict.fromkeys(found[number] for number in numbers))


class ProtectionLiftForm(SeekerBoundForm):
    reason = forms.CharField(
        label=_("解除の理由"),
        max_length=PROTECTION_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("所長・管理者が、依頼した人とは別に承認して初めて解除されます。"),
        error_messages={"required": _("解除の理由を入力してください。")},
    )


class ProtectionDecisionForm(SeekerBoundForm):
    """A manager's decision on a lift request: the screen's seeker, nothing else."""


class ResultReceiveForm(SeekerBoundForm, SelectionResultFields):
    """The counter's record of a result received outside the my page
    (services.selection_result_receive): how it came and who gave it, then the result."""

    route = forms.ChoiceField(
        label=_("受付の方法"),
        choices=[(route.value, route.label) for route in STAFF_ROUTES],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("受付の方法を一覧から選んでください。"),
            "invalid_choice": _("受付の方法を一覧から選んでください。"),
        },
    )
    given_by = forms.CharField(
        label=_("連絡した事業所の担当者（書面・FAX・電話の場合）"),
        required=False,
        max_length=GIVEN_BY_MAX_LENGTH,
        help_text=_("例: 人事課 佐藤。求職者本人からの辞退の申し出では空欄にします。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    field_order = [
        "route",
        "given_by",
        "result",
        "start_date",
        "not_hired_reason",
        "conditions_differ",
        "conditions_difference",
    ]
