"""The 2025 Koriyama incident (docs/koriyama-2025-report.md), replayed through the
services: every step that led to the misdelivery is now stopped or caught."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from referrals import selectors, services
from referrals.models import Alert, Consultation, ReferralLetter
from tests.factories import StaffMemberFactory
from tests.referrals.helpers import called_draft, consult, seeker_confirms


def test_the_koriyama_chain_is_stopped(alice, bob, seeker_a, posting_c, posting_d, koriyama):
    # 2025-04-04: clerk B (alice) consults seeker A in person; A wants C and declines D.
    # In person, at the desk's seeker-facing display.
    consultation = consult(seeker_a, alice)
    services.interest_record(
        consultation=consultation, posting=posting_c, decision="apply", staff=alice
    )
    services.interest_record(
        consultation=consultation, posting=posting_d, decision="declined", staff=alice
    )
    letter = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    # No blank twin: drafting created no consultation.
    assert Consultation.objects.filter(seeker=seeker_a).count() == 1
    # The declined posting cannot be referred at all.
    with pytest.raises(ValidationError, match="応募しない"):
        called_draft(consultation=consultation, posting=posting_d, staff=alice)

    # A reads C's name on the display, presses "apply" and types A's own birth date; the
    # clerk types the last four digits from the posting in A's hand.
    seeker_confirms(letter, alice)
    services.referral_confirm_in_session(referral=letter, staff=alice, posting_digits="5678")
    letter.refresh_from_db()
    first_code = letter.code
    assert letter.status == "issued" and first_code

    # Still within the hold: voiding recalls the disclosure, nobody at C saw it, the code stays.
    services.referral_void(referral=letter, staff=alice, reason="相談記録を整理するため")
    letter.refresh_from_db()
    assert letter.status == "voided"
    assert letter.code == first_code
    assert letter.disclosure.recalled_at is not None
    assert not selectors.disclosures_visible_to(establishment=posting_c.establishment).exists()

    # A has left. Re-entering alone: the consultation is closed, so it goes to approval.
    services.consultation_close(consultation=consultation, staff=alice)
    # The clerk picks D's posting from the desk: A declined it, so it is refused outright.
    with pytest.raises(ValidationError):
        called_draft(consultation=consultation, posting=posting_d, staff=alice)
    # Even for C, the re-entry after the seeker left needs a supervisor.
    again = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    assert "consultation_closed" in again.approval_reasons
    # Alone at the desk, the clerk cannot use the display either, nor confirm.
    with pytest.raises(ValidationError, match="承認"):
        services.display_show(referral=again, staff=alice)
    with pytest.raises(ValidationError, match="承認"):
        services.referral_confirm_in_session(referral=again, staff=alice, posting_digits="5678")
    services.referral_submit(referral=again, staff=alice)

    # A clerk cannot approve, not even another clerk.
    other_clerk = StaffMemberFactory(office=koriyama)
    with pytest.raises(PermissionDenied):
        services.referral_approve(
            referral=again,
            supervisor=other_clerk,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    with pytest.raises(PermissionDenied):
        services.referral_approve(
            referral=again,
            supervisor=alice,
            stated_posting_number=posting_c.number,
            source="callback",
        )

    # The supervisor states blind; D's number (the posting on the desk) is refused and recorded.
    with pytest.raises(ValidationError):
        services.referral_approve(
            referral=again,
            supervisor=bob,
            stated_posting_number=posting_d.number,
            source="callback",
        )
    again.refresh_from_db()
    assert again.status == "pending_approval"
    assert (
        Alert.objects.filter(kind="caught_mismatch", referral=again, office=koriyama).count() == 1
    )

    # C's number, typed in full-width digits, issues a new code.
    services.referral_approve(
        referral=again,
        supervisor=bob,
        stated_posting_number="０７０４０－１２３４５６７８",
        source="callback",
    )
    again.refresh_from_db()
    assert again.status == "issued"
    assert again.code and again.code != first_code
    assert again.confirmation.method == "approval"
    assert again.confirmation.confirmer_staff == bob
    assert again.disclosure.establishment == posting_c.establishment
    # Nothing ever went to D.
    assert not ReferralLetter.objects.filter(posting=posting_d).exists()
    assert not posting_d.establishment.disclosures.exists()
