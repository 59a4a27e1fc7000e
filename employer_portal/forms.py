"""Forms of the my page. They only read what was typed; the rules live in the services,
whose ValidationErrors land on the same fields."""

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hellowork.language import JapaneseOptionsSelect, with_japanese
from hellowork.models import User
from referrals.exports import REPLACEMENT, CsvEncoding
from referrals.models import SelectionOutcome
from referrals.result_fields import SelectionResultFields
from referrals.selectors import ApplicantPosting
from referrals.services import NOTE_MAX_LENGTH

RESULT_FILTERS = [
    ("", _("すべて")),
    ("none", _("未記録")),
    ("hired", SelectionOutcome.HIRED.label),
    ("not_hired", SelectionOutcome.NOT_HIRED.label),
]


class ApplicantFilterForm(forms.Form):
    posting = forms.ChoiceField(label=_("求人"), required=False, widget=JapaneseOptionsSelect)
    status = forms.ChoiceField(label=_("選考結果"), required=False, choices=RESULT_FILTERS)

    def __init__(self, *args: Any, postings: list[ApplicantPosting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["posting"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("すべての求人"))] + [
            (posting.number, f"{posting.number} {posting.title}") for posting in postings
        ]
        invalid = _("一覧にある項目から選んでください。")
        for name in self.fields:
            self.fields[name].error_messages["invalid_choice"] = invalid


class ApplicantExportForm(ApplicantFilterForm):
    """The list as CSV: the list's filters (carried in hidden fields from the page, so the
    file holds what the page lists) and the encoding. Posted, so that nothing of the
    request is in a URL and a download is never a link to follow."""

    encoding = forms.ChoiceField(
        label=_("文字コード"),
        choices=CsvEncoding.choices,
        initial=CsvEncoding.UTF8_BOM,
        widget=forms.RadioSelect,
        error_messages={"required": _("文字コードを選んでください。")},
    )

    def __init__(self, *args: Any, postings: list[ApplicantPosting], **kwargs: Any) -> None:
        super().__init__(*args, postings=postings, **kwargs)
        self.fields["posting"].widget = forms.HiddenInput()
        self.fields["status"].widget = forms.HiddenInput()
        self.fields["encoding"].error_messages["invalid_choice"] = _(
            "文字コードは一覧から選んでください。"
        )
        # The characters are data-like Japanese: marked, so a screen reader reads them so.
        self.fields["encoding"].help_text = with_japanese(
            gettext(
                "Shift_JIS（CP932）では表せない文字（「%(kanji)s」など）は「%(geta)s」に"
                "置き換わります。正確な表記が必要なときはUTF-8を選んでください。"
            ),
            kanji="𠮷",
            geta=REPLACEMENT,
        )


class SelectionResultForm(SelectionResultFields):
    """The my page's result form: the fields every route shares (referrals.result_fields)."""


class CodeCheckForm(forms.Form):
    code = forms.CharField(
        label=_("紹介コード"),
        max_length=64,
        help_text=_(
            "紹介状に印刷された紹介コード。例: 7K3M-9Q2X-HT4（ハイフンや全角文字のままでも構いません）"
        ),
        error_messages={"required": _("紹介コードを入力してください。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autofocus": True}
        ),
    )


class MisdeliveryForm(forms.Form):
    note = forms.CharField(
        label=_("状況（任意）"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("例: 応募の予定を聞いていない、同じ名前の方に心当たりがない など"),
    )


class MemberAddForm(forms.Form):
    name = forms.CharField(
        label=_("氏名"),
        max_length=100,
        error_messages={"required": _("氏名を入力してください。")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("メールアドレス（ログインID）"),
        max_length=150,
        error_messages={"required": _("メールアドレスを入力してください。")},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class MemberSetPasswordForm(SetPasswordForm[User]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("新しいパスワード")
        self.fields["new_password2"].label = _("新しいパスワード（確認）")


class RetractionAcknowledgeForm(forms.Form):
    """The establishment's confirmation that it kept no copy of a withdrawn applicant."""

    no_copy = forms.BooleanField(
        label=_(
            "この応募者の情報を印刷・保存・書き写した控えは残っていません"
            "（残っていたものは廃棄・削除しました）。"
        ),
        error_messages={
            "required": _("控えが残っていないことを確かめてから、チェックを入れてください。")
        },
    )
