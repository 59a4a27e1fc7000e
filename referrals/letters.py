"""The referral letter (紹介状) as one document, printed from the counter or from an
employer's my page. The counter prints it from the referral; the my page only from the
disclosure's snapshot, which is all an employer may ever see of the seeker.

The front fits one A4 page (a browser test prints it and counts the PDF's pages): the
issuing office and date, the seeker's name, kana, age and 求職番号, the posting's number and
title, the establishment's name, number, address and access, and what the employer said on
the call before issue (issue 20): the selection method, the interview's date, time and
place, the documents to bring and the contact person. A letter for an establishment without
a my page has a back (a second printed page): the 選考結果通知 the employer fills in and
returns to the office by fax, post or phone. No letter shows a seeker's address or phone
(DESIGN.md rule 13): the letter has no such field for anyone."""

import datetime
from dataclasses import dataclass, field

import segno
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from hellowork.models import Establishment
from referrals.models import (
    Disclosure,
    EmployerCall,
    NotHiredReason,
    ReferralLetter,
    ReferralStatus,
)


@dataclass(frozen=True)
class Letter:
    date: datetime.date
    establishment_name: str
    establishment_number: str
    issuer: str  # the bureau and office
    clerk: str  # empty on the employer's copy: the snapshot does not hold it
    seeker_name: str
    seeker_kana: str
    seeker_age: int | None
    posting_number: str
    posting_title: str
    code: str
    void_mark: str  # empty, or why this letter is no longer valid
    counter: bool = False  # the counter's copy, with the call's details (issue 20)
    seeker_number: str = ""  # 求職番号: the counter's copy (the snapshot does not hold it)
    establishment_address: str = ""
    establishment_access: str = ""  # 交通手段・最寄り駅
    # From the call to the employer before issue (issue 20); empty when not known.
    selection_method: str = ""
    interview_date: datetime.date | None = None
    interview_time: datetime.time | None = None
    interview_place: str = ""
    documents: str = ""
    contact_person: str = ""
    # Issued without reaching the employer (an office that allows it): why, printed so
    # that the employer knows the interview is still to be arranged.
    unreached: str = ""
    # The back: the 選考結果通知 for an establishment without a my page, returned to the
    # issuing office (its name, address, phone and fax).
    result_form: bool = False
    office_name: str = ""
    office_address: str = ""
    office_phone: str = ""
    office_fax: str = ""
    not_hired_reasons: list[str] = field(default_factory=list)

    @property
    def qr(self) -> SafeString:
        """The referral code (only the code) as an inline SVG QR code, never Micro QR."""
        svg = segno.make(self.code, error="m", micro=False).svg_inline(scale=3, border=2)
        return mark_safe(svg)  # noqa: S308 (segno's own SVG of a checked code)


def _latest_call(referral: ReferralLetter) -> EmployerCall | None:
    return referral.calls.order_by("-called_at", "-pk").first()


def letter_for_referral(referral: ReferralLetter) -> Letter:
    """The counter's copy, from the referral itself (it must have a code: issued once), its
    latest call to the employer and the registry."""
    assert referral.code and referral.issued_at
    consultation, posting = referral.consultation, referral.posting
    establishment, office = posting.establishment, consultation.office
    issued = timezone.localdate(referral.issued_at)
    call = _latest_call(referral)
    with translation.override("ja"):  # the letter is printed in Japanese (DECISIONS.md)
        marks: dict[str, str] = {
            ReferralStatus.VOIDED: _("取消済み（無効）"),
            ReferralStatus.RETRACTED: _("撤回"),
        }
        unreached = ""
        if call is not None and not call.reached:
            unreached = str(call.get_unreached_reason_display())
            if call.unreached_note:
                unreached = f"{unreached}（{call.unreached_note}）"
        reasons = [str(label) for label in NotHiredReason.labels]
    accepted = call is not None and call.reached and bool(call.accepting)
    return Letter(
        date=issued,
        establishment_name=establishment.name,
        establishment_number=establishment.number,
        issuer=f"{office.bureau} {office.name}",
        clerk=referral.drafted_by.user.name,
        seeker_name=consultation.seeker.name,
        seeker_kana=consultation.seeker.kana,
        seeker_age=consultation.seeker.age_on(issued),
        counter=True,
        seeker_number=consultation.seeker.number,
        posting_number=posting.number,
        posting_title=posting.title,
        code=referral.code,
        void_mark=marks.get(referral.status, ""),
        establishment_address=establishment.address,
        establishment_access=establishment.access,
        selection_method=call.selection_method if accepted and call else "",
        interview_date=call.interview_date if accepted and call else None,
        interview_time=call.interview_time if accepted and call else None,
        interview_place=call.interview_place if accepted and call else "",
        documents=call.documents if accepted and call else "",
        contact_person=call.contact_person if accepted and call else "",
        unreached=unreached,
        result_form=not establishment.has_mypage,
        office_name=office.name,
        office_address=office.address,
        office_phone=office.phone,
        office_fax=office.fax,
        not_hired_reasons=reasons,
    )


def letter_for_disclosure(disclosure: Disclosure, establishment: Establishment) -> Letter:
    """The employer's copy: the snapshot, the establishment's own name, address and access,
    and the issuing office. `disclosure` comes from referrals.selectors.applicant_for_member.
    The call's details are the employer's own words and are not in the snapshot: the my
    page's copy leaves them out, and it has no back (the my page takes the result).

    The document is checked against its recipient before it is built: a disclosure of
    another establishment is refused, whatever the caller passed (DESIGN.md section 1)."""
    if disclosure.establishment_id != establishment.pk:
        raise PermissionDenied("the letter is not addressed to this establishment")
    if disclosure.retracted_at is not None or disclosure.recalled_at is not None:
        raise PermissionDenied("the applicant is no longer disclosed")
    return Letter(
        date=disclosure.referral_date,
        establishment_name=establishment.name,
        establishment_number=establishment.number,
        issuer=disclosure.issuing_office_name,  # type: ignore[attr-defined]
        clerk="",
        seeker_name=disclosure.seeker_name,
        seeker_kana=disclosure.seeker_kana,
        seeker_age=disclosure.seeker_age,
        posting_number=disclosure.posting_number,
        posting_title=disclosure.posting_title,
        code=disclosure.referral_code,
        void_mark="",
        establishment_address=establishment.address,
        establishment_access=establishment.access,
    )
