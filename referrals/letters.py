"""The referral letter (紹介状) as one document, printed from the counter or from an
employer's my page. The counter prints it from the referral; the my page only from the
disclosure's snapshot, which is all an employer may ever see of the seeker."""

import datetime
from dataclasses import dataclass

import segno
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from hellowork.models import Establishment
from referrals.models import Disclosure, ReferralLetter, ReferralStatus


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

    @property
    def qr(self) -> SafeString:
        """The referral code (only the code) as an inline SVG QR code, never Micro QR."""
        svg = segno.make(self.code, error="m", micro=False).svg_inline(scale=3, border=2)
        return mark_safe(svg)  # noqa: S308 (segno's own SVG of a checked code)


def letter_for_referral(referral: ReferralLetter) -> Letter:
    """The counter's copy, from the referral itself (it must have a code: issued once)."""
    assert referral.code and referral.issued_at
    consultation, posting = referral.consultation, referral.posting
    issued = timezone.localdate(referral.issued_at)
    with translation.override("ja"):  # the letter is printed in Japanese (DECISIONS.md)
        marks: dict[str, str] = {
            ReferralStatus.VOIDED: _("取消済み（無効）"),
            ReferralStatus.RETRACTED: _("撤回"),
        }
    return Letter(
        date=issued,
        establishment_name=posting.establishment.name,
        establishment_number=posting.establishment.number,
        issuer=f"{consultation.office.bureau} {consultation.office.name}",
        clerk=referral.drafted_by.user.name,
        seeker_name=consultation.seeker.name,
        seeker_kana=consultation.seeker.kana,
        seeker_age=consultation.seeker.age_on(issued),
        posting_number=posting.number,
        posting_title=posting.title,
        code=referral.code,
        void_mark=marks.get(referral.status, ""),
    )


def letter_for_disclosure(disclosure: Disclosure, establishment: Establishment) -> Letter:
    """The employer's copy: the snapshot, the establishment's own name and the issuing
    office. `disclosure` comes from referrals.selectors.applicant_for_member.

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
    )
