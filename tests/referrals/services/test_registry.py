"""Protected seekers (DESIGN.md rule 13): no referral reaches an excluded establishment
through any service, whoever asks; lifting takes a manager and another person; setting a
protection over an existing disclosure raises a critical alert."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hellowork import services as registry
from hellowork.models import AuditEvent, SeekerProtection
from referrals import selectors, services
from referrals.models import Alert, DisplayReadback, ReferralLetter
from referrals.services import containment
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import (
    approve,
    called_draft,
    consult,
    digits_of,
    issue_in_person,
    pending,
    seeker_confirms,
)

REASON = "支援措置（DV）の申出"


def protect(seeker, supervisor, *establishments):
    return registry.seeker_protection_set(
        seeker=seeker, supervisor=supervisor, reason=REASON, establishments=establishments
    )


def refused_as_protected(error: ValidationError) -> bool:
    return "保護" in " ".join(error.messages)


# -- setting it --------------------------------------------------------------------------


def test_a_supervisor_of_the_seekers_office_protects_with_a_reason_traced_without_it(
    bob, seeker_a, establishment_c
):
    protection = protect(seeker_a, bob, establishment_c)
    assert protection.is_active
    assert list(protection.excluded.all()) == [establishment_c]
    event = AuditEvent.objects.get(action="seeker.protected")
    assert event.actor == bob.user
    assert event.detail == {"seeker_id": seeker_a.pk, "establishment_ids": [establishment_c.pk]}
    assert REASON not in str(event.detail)


def test_a_clerk_or_another_offices_supervisor_cannot_protect(alice, carol, seeker_a):
    for staff in (alice, carol):
        with pytest.raises(PermissionDenied):
            protect(seeker_a, staff)
    assert not SeekerProtection.objects.exists()


def test_a_protection_needs_a_reason(bob, seeker_a):
    with pytest.raises(ValidationError):
        registry.seeker_protection_set(seeker=seeker_a, supervisor=bob, reason="  ")


def test_more_establishments_are_added_to_the_active_protection(
    bob, seeker_a, establishment_c, establishment_d
):
    first = protect(seeker_a, bob, establishment_c)
    again = protect(seeker_a, bob, establishment_c, establishment_d)
    assert again.pk == first.pk
    assert set(again.excluded.all()) == {establishment_c, establishment_d}
    event = AuditEvent.objects.get(action="seeker.protection_extended")
    assert event.detail["establishment_ids"] == [establishment_d.pk]
    with pytest.raises(ValidationError):  # nothing new to add
        protect(seeker_a, bob, establishment_d)


# -- every path to the establishment is closed -------------------------------------------


def test_draft_is_refused_for_an_excluded_establishment_whoever_asks_and_traced(
    alice, bob, manager, seeker_a, posting_c, posting_d
):
    protect(seeker_a, bob, posting_c.establishment)
    for staff in (alice, bob, manager):
        consultation = consult(seeker_a, staff, in_person=False, apply=[posting_c, posting_d])
        with pytest.raises(ValidationError) as refused:
            called_draft(consultation=consultation, posting=posting_c, staff=staff)
        assert refused_as_protected(refused.value)
    assert not ReferralLetter.objects.filter(posting=posting_c).exists()
    assert AuditEvent.objects.filter(action="referral.draft_refused_protected").count() == 3
    # Another establishment is fine.
    called_draft(consultation=consultation, posting=posting_d, staff=manager)


def test_an_in_person_draft_made_before_the_protection_stops_at_every_step(
    alice, bob, seeker_a, posting_c
):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    readback = seeker_confirms(referral, alice)  # the seeker confirmed before it
    protect(seeker_a, bob, posting_c.establishment)
    with pytest.raises(ValidationError) as refused:
        services.referral_confirm_in_session(
            referral=referral, staff=alice, posting_digits=digits_of(posting_c)
        )
    assert refused_as_protected(refused.value)
    with pytest.raises(ValidationError):
        services.display_show(referral=referral, staff=alice)
    referral.refresh_from_db()
    assert referral.status == "draft" and referral.code is None
    assert not hasattr(referral, "disclosure") or referral.disclosure is None
    assert readback.display_id == consultation.display_id


def test_the_seekers_answer_on_the_display_is_not_taken_once_protected(
    alice, bob, seeker_a, posting_c
):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    readback = services.display_show(referral=referral, staff=alice)
    protect(seeker_a, bob, posting_c.establishment)
    with pytest.raises(ValidationError):
        services.display_seeker_confirm(
            display=readback.display, referral=referral, seeker_birth_date=seeker_a.birth_date
        )
    readback.refresh_from_db()
    assert readback.cleared_at is not None and readback.answer == ""
    assert not DisplayReadback.objects.filter(answer="confirmed").exists()


def test_a_pending_approval_cannot_be_stated_approved_or_submitted_once_protected(
    alice, bob, frank, seeker_a, posting_c
):
    referral = pending(seeker_a, alice, posting_c)
    protect(seeker_a, bob, posting_c.establishment)
    with pytest.raises(ValidationError) as refused:
        services.approval_statement_check(
            referral=referral,
            supervisor=frank,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    assert refused_as_protected(refused.value)
    with pytest.raises(ValidationError):
        approve(referral, frank)
    referral.refresh_from_db()
    assert referral.status == "pending_approval" and referral.code is None
    # Sent back, it cannot go to the queue again.
    services.referral_reject(referral=referral, supervisor=frank, reason="保護のため")
    with pytest.raises(ValidationError):
        services.referral_submit(referral=referral, staff=alice)


def test_a_reported_applicant_is_not_restored_to_an_establishment_excluded_since(
    no_hold, alice, bob, frank, seeker_a, posting_c, dave
):
    referral = issue_in_person(seeker_a, alice, posting_c)
    services.misdelivery_report(disclosure=referral.disclosure, member=dave, note="")
    protect(seeker_a, bob, posting_c.establishment)
    with pytest.raises(ValidationError):
        containment.misdelivery_restore(
            disclosure=referral.disclosure, supervisor=frank, note="正しい紹介だった"
        )
    referral.disclosure.refresh_from_db()
    assert referral.disclosure.quarantined_at is not None


# -- disclosures made before it ----------------------------------------------------------


def test_protecting_over_a_held_disclosure_raises_a_critical_alert_that_a_recall_settles(
    alice, bob, frank, seeker_a, posting_c, posting_d
):
    referral = issue_in_person(seeker_a, alice, posting_c)  # in its hold
    other = issue_in_person(seeker_a, alice, posting_d)
    protect(seeker_a, bob, posting_c.establishment)
    alert = Alert.objects.get(kind="protected_disclosure")
    assert alert.severity == "critical" and alert.referral == referral
    assert alert.office_id == referral.consultation.office_id
    assert alert.detail["disclosure_id"] == referral.disclosure.pk
    assert not Alert.objects.filter(kind="protected_disclosure", referral=other).exists()
    services.referral_void(referral=referral, staff=frank, reason="保護のため")
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.settled_by == "voided"


def test_a_letter_issued_before_the_protection_is_hidden_from_the_excluded_employer_at_once(
    alice, bob, settings, seeker_a, posting_c, posting_d, dave
):
    """Whether or not anyone acts on the alert: in its hold it never appears, and one
    already shown disappears (found by a lone-person review: the alert alone left it)."""
    settings.DISCLOSURE_HOLD_MINUTES = 30
    held = issue_in_person(seeker_a, alice, posting_c)
    settings.DISCLOSURE_HOLD_MINUTES = 0
    shown = issue_in_person(
        seeker_a, alice, factories.JobPostingFactory(establishment=posting_c.establishment)
    )
    elsewhere = issue_in_person(seeker_a, alice, posting_d)
    assert list(selectors.disclosures_visible_to(establishment=posting_c.establishment)) == [
        shown.disclosure
    ]
    protect(seeker_a, bob, posting_c.establishment)
    later = timezone.now() + datetime.timedelta(minutes=31)  # past the first letter's hold
    with time_machine.travel(later, tick=False):
        assert not selectors.disclosures_visible_to(establishment=posting_c.establishment)
        page = client_for(dave.user).get(reverse("mypage_home")).text
        assert seeker_a.name not in page and seeker_a.kana not in page
        assert list(selectors.disclosures_visible_to(establishment=posting_d.establishment)) == [
            elsewhere.disclosure
        ]
    assert held.disclosure.pk and Alert.objects.filter(kind="protected_disclosure").count() == 2


def test_protecting_with_nothing_disclosed_raises_no_alert(bob, seeker_a, establishment_c):
    protect(seeker_a, bob, establishment_c)
    assert not Alert.objects.exists()


# -- lifting it takes two people, one a manager -------------------------------------------


def test_lifting_takes_a_request_and_another_managers_approval(
    alice, bob, manager, frank, seeker_a, posting_c
):
    protect(seeker_a, bob, posting_c.establishment)
    with pytest.raises(PermissionDenied):  # a clerk cannot ask
        registry.seeker_protection_lift_request(
            seeker=seeker_a, supervisor=alice, reason="本人の希望"
        )
    with pytest.raises(ValidationError):  # nothing asked yet
        registry.seeker_protection_lift_approve(seeker=seeker_a, manager=manager)
    registry.seeker_protection_lift_request(seeker=seeker_a, supervisor=bob, reason="本人の希望")
    with pytest.raises(PermissionDenied):  # a supervisor is not a manager
        registry.seeker_protection_lift_approve(seeker=seeker_a, manager=frank)
    assert SeekerProtection.objects.get().is_active
    lifted = registry.seeker_protection_lift_approve(seeker=seeker_a, manager=manager)
    assert not lifted.is_active and lifted.lifted_by == manager
    assert AuditEvent.objects.filter(action="seeker.protection_lifted").count() == 1
    consultation = consult(seeker_a, alice, in_person=False, apply=[posting_c])
    called_draft(consultation=consultation, posting=posting_c, staff=alice)


def test_a_manager_cannot_approve_their_own_lift_request(manager, seeker_a, establishment_c):
    protect(seeker_a, manager, establishment_c)
    registry.seeker_protection_lift_request(
        seeker=seeker_a, supervisor=manager, reason="本人の希望"
    )
    with pytest.raises(PermissionDenied):
        registry.seeker_protection_lift_approve(seeker=seeker_a, manager=manager)
    assert SeekerProtection.objects.get().is_active


def test_the_database_holds_requester_and_lifter_apart(manager, seeker_a):
    protection = protect(seeker_a, manager)
    SeekerProtection.objects.filter(pk=protection.pk).update(
        lift_requested_by=manager, lift_requested_at=protection.set_at, lift_reason="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SeekerProtection.objects.filter(pk=protection.pk).update(
            lifted_by=manager, lifted_at=protection.set_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # never lifted without a request
        SeekerProtection.objects.filter(pk=protection.pk).update(
            lift_requested_by=None,
            lift_requested_at=None,
            lift_reason="",
            lifted_by=manager,
            lifted_at=protection.set_at,
        )


def test_one_active_protection_per_seeker_in_the_database(bob, seeker_a):
    protection = protect(seeker_a, bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeekerProtection.objects.create(
            seeker=seeker_a, reason=REASON, set_by=bob, set_at=protection.set_at
        )


def test_a_rejected_lift_request_leaves_the_protection_and_allows_a_new_one(bob, manager, seeker_a):
    protect(seeker_a, bob)
    registry.seeker_protection_lift_request(seeker=seeker_a, supervisor=bob, reason="本人の希望")
    registry.seeker_protection_lift_reject(seeker=seeker_a, manager=manager)
    protection = SeekerProtection.objects.get()
    assert protection.is_active and protection.lift_requested_at is None
    registry.seeker_protection_lift_request(seeker=seeker_a, supervisor=bob, reason="再度")


def test_extending_a_protection_withdraws_a_lift_asked_for_before(
    bob, manager, seeker_a, establishment_c, posting_d
):
    """A lone-person review: the approval of a lift asked about C also lifted D, added after."""
    protect(seeker_a, bob, establishment_c)
    registry.seeker_protection_lift_request(seeker=seeker_a, supervisor=bob, reason="本人の希望")
    protect(seeker_a, bob, posting_d.establishment)
    with pytest.raises(ValidationError):  # nothing asked any more
        registry.seeker_protection_lift_approve(seeker=seeker_a, manager=manager)
    assert SeekerProtection.objects.get().is_active
    event = AuditEvent.objects.get(action="seeker.protection_extended")
    assert event.detail["lift_request_withdrawn"] is True
