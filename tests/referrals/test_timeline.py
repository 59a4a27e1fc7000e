"""referrals.timeline: what a referral's history says."""

from referrals import services
from referrals.timeline import referral_timeline
from tests.referrals.helpers import (
    called_draft,
    consult,
    issue_in_person,
)


def test_the_timeline_says_whether_a_voided_letter_had_a_code(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    draft = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.referral_void(referral=draft, staff=alice, reason="作り直し")
    (entry,) = [e for e in referral_timeline(referral=draft) if e.label == "紹介状を取消"]
    assert "紹介コードなし" in entry.detail and "None" not in entry.detail
    issued = issue_in_person(seeker_a, alice, posting_c)
    services.referral_void(referral=issued, staff=alice, reason="辞退")
    (entry,) = [e for e in referral_timeline(referral=issued) if e.label == "紹介状を取消"]
    assert issued.code in entry.detail and "紹介コードなし" not in entry.detail
