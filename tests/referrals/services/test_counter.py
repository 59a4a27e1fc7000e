"""Rules 1 to 7 of DESIGN.md section 4, each on its own, with the inputs that break them."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from hellowork.models import AuditEvent
from referrals import codes, selectors, services
from referrals.models import (
    Alert,
    Confirmation,
    Consultation,
    Disclosure,
    PostingInterest,
    ReferralLetter,
)
from tests import factories
from tests.referrals.helpers import called_draft, consult, issue_in_person, pending, seeker_confirms

# -- rule 1: one consultation, no blank twins ----------------------------------------


def test_opening_twice_today_returns_the_same_consultation(alice, seeker_a):
    first = consult(seeker_a, alice)
    assert consult(seeker_a, alice) == first
    assert Consultation.objects.count() == 1


def test_reopening_a_consultation_is_traced(alice, seeker_a):
    # Found by the state machine: every successful service call leaves a trace.
    first = consult(seeker_a, alice)
    before = AuditEvent.objects.count()
    assert consult(seeker_a, alice) == first
    assert AuditEvent.objects.filter(action="consultation.resumed").count() == 1
    assert AuditEvent.objects.count() == before + 1


def test_a_new_day_or_a_closed_consultation_opens_a_new_one(alice, seeker_a):
    with time_machine.travel(datetime.datetime(2026, 4, 1, 10, tzinfo=datetime.UTC)):
        yesterday = consult(seeker_a, alice)
    with time_machine.travel(datetime.datetime(2026, 4, 2, 10, tzinfo=datetime.UTC)):
        today = consult(seeker_a, alice)
        assert today != yesterday
        services.consultation_close(consultation=today, staff=alice)
        assert consult(seeker_a, alice) != today


def test_drafting_never_creates_a_consultation(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    called_draft(consultation=consultation, posting=posting_c, staff=alice)
    assert Consultation.objects.filter(seeker=seeker_a).count() == 1


def test_merge_moves_referrals_and_interests_without_touching_status_or_code(
    alice, seeker_a, posting_c, posting_d, koriyama
):
    issued = issue_in_person(seeker_a, alice, posting_c)
    source = issued.consultation
    target = services.consultation_open(seeker=seeker_a, staff=alice, in_person=False)
    services.interest_record(
        consultation=target, posting=posting_d, decision="considering", staff=alice
    )
    before = (issued.status, issued.code, issued.issued_at)

    services.consultation_merge(source=source, target=target, staff=alice)

    issued.refresh_from_db()
    assert (issued.status, issued.code, issued.issued_at) == before
    assert issued.consultation == target
    assert set(
        PostingInterest.objects.filter(consultation=target).values_list("posting", flat=True)
    ) == {
        posting_c.pk,
        posting_d.pk,
    }
    source.refresh_from_db()
    assert source.merged_into == target and source.closed_at is not None
    assert AuditEvent.objects.filter(
        action="consultation.merged", target_id=str(target.pk)
    ).exists()


def test_merge_keeps_the_later_decision_of_a_posting_in_both(alice, seeker_a, posting_c):
    older = consult(seeker_a, alice, declined=[posting_c])
    newer = services.consultation_open(seeker=seeker_a, staff=alice, in_person=False)
    services.interest_record(consultation=newer, posting=posting_c, decision="apply", staff=alice)
    services.consultation_merge(source=older, target=newer, staff=alice)
    assert PostingInterest.objects.get(consultation=newer, posting=posting_c).decision == "apply"
    assert not PostingInterest.objects.filter(consultation=older).exists()


def test_merge_refuses_another_seeker_itself_and_another_office(alice, carol, seeker_a, koriyama):
    mine = consult(seeker_a, alice)
    other_seeker = consult(factories.JobSeekerFactory(office=koriyama), alice)
    with pytest.raises(ValidationError, match="別の求職者"):
        services.consultation_merge(source=mine, target=other_seeker, staff=alice)
    with pytest.raises(ValidationError):
        services.consultation_merge(source=mine, target=mine, staff=alice)
    elsewhere = consult(seeker_a, carol)
    with pytest.raises(PermissionDenied):
        services.consultation_merge(source=elsewhere, target=mine, staff=alice)


# -- rule 2: intent first -------------------------------------------------------------


@pytest.mark.parametrize("decision", ["declined", "considering", None])
def test_only_an_apply_decision_can_be_drafted(alice, seeker_a, posting_c, decision):
    consultation = consult(seeker_a, alice)
    if decision:
        services.interest_record(
            consultation=consultation, posting=posting_c, decision=decision, staff=alice
        )
    with pytest.raises(ValidationError):
        called_draft(consultation=consultation, posting=posting_c, staff=alice)
    assert not ReferralLetter.objects.exists()


def test_a_declined_posting_can_be_referred_once_the_decision_is_recorded_again(
    alice, seeker_a, posting_c
):
    consultation = consult(seeker_a, alice, declined=[posting_c])
    services.interest_record(
        consultation=consultation, posting=posting_c, decision="apply", staff=alice
    )
    assert called_draft(consultation=consultation, posting=posting_c, staff=alice)


def test_a_decision_changed_after_drafting_stops_the_confirmation(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.interest_record(
        consultation=consultation, posting=posting_c, decision="declined", staff=alice
    )
    with pytest.raises(ValidationError, match="意向"):
        services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits="5678")
    assert ReferralLetter.objects.get().status == "draft"


def test_bad_decisions_and_closed_postings_are_refused(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice)
    with pytest.raises(ValidationError):
        services.interest_record(
            consultation=consultation, posting=posting_c, decision="maybe", staff=alice
        )
    posting_c.status = "closed"
    posting_c.save()
    with pytest.raises(ValidationError, match="募集を終了"):
        services.interest_record(
            consultation=consultation, posting=posting_c, decision="apply", staff=alice
        )
    assert not PostingInterest.objects.exists()


def test_no_decision_can_be_recorded_after_the_seeker_left(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice)
    services.consultation_close(consultation=consultation, staff=alice)
    with pytest.raises(ValidationError, match="終了"):
        services.interest_record(
            consultation=consultation, posting=posting_c, decision="apply", staff=alice
        )


def test_a_second_active_referral_for_the_same_posting_is_refused(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    called_draft(consultation=consultation, posting=posting_c, staff=alice)
    with pytest.raises(ValidationError, match="既に"):
        called_draft(consultation=consultation, posting=posting_c, staff=alice)


# -- rule 3: in person, the seeker confirms on the display; the clerk re-types -----------


@pytest.mark.parametrize("digits", ["5679", "4321"])  # 4321: D's digits, the posting on the desk
def test_wrong_digits_are_refused_and_recorded(alice, seeker_a, posting_c, koriyama, digits):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    seeker_confirms(referral, alice)
    with pytest.raises(ValidationError) as caught:
        services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits=digits)
    assert sorted(caught.value.message_dict) == ["posting_digits"]
    referral.refresh_from_db()
    assert referral.status == "draft" and referral.code is None
    assert not Confirmation.objects.exists() and not Disclosure.objects.exists()
    alert = Alert.objects.get(kind="caught_mismatch")
    assert alert.office == koriyama and alert.referral == referral and alert.severity == "info"
    event = AuditEvent.objects.get(action="referral.confirmation_refused")
    assert event.detail["fields"] == ["posting_digits"]
    assert digits not in str(event.detail)  # what was typed is not kept


@pytest.mark.parametrize("digits", ["", "567", "56789", "56a8", "5 6 7 8x"])
def test_malformed_digits_are_a_form_error_not_a_mismatch(alice, seeker_a, posting_c, digits):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    seeker_confirms(referral, alice)
    with pytest.raises(ValidationError) as caught:
        services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits=digits)
    assert "posting_digits" in caught.value.message_dict
    assert not Alert.objects.exists()


def test_full_width_digits_confirm(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    readback = seeker_confirms(referral, alice)
    services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits="５６７８")
    referral.refresh_from_db()
    assert referral.status == "issued"
    confirmation = referral.confirmation
    assert confirmation.method == "in_person"
    assert confirmation.confirmer_seeker == seeker_a and confirmation.maker == alice
    assert confirmation.display_answer == readback


def test_a_confirmed_referral_cannot_be_confirmed_again(alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    with pytest.raises(ValidationError, match="発行済み"):
        services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits="5678")
    assert Confirmation.objects.count() == 1


def test_a_not_in_person_draft_cannot_be_confirmed_at_the_counter(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, in_person=False, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    assert referral.approval_reasons == ["not_in_person"]
    with pytest.raises(ValidationError, match="承認"):
        services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits="5678")


def test_closing_after_drafting_sends_the_draft_to_approval(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.consultation_close(consultation=consultation, staff=alice)
    with pytest.raises(ValidationError, match="承認"):
        services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits="5678")
    services.referral_submit(referral=referral, staff=alice)
    referral.refresh_from_db()
    assert referral.approval_reasons == ["consultation_closed"]


# -- rule 4: not in person, a supervisor decides blind ---------------------------------


def test_a_supervisor_approves_with_the_right_statement(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    services.referral_approve(
        referral=referral,
        supervisor=bob,
        stated_posting_number="07040-12345678",
        source="callback",
    )
    referral.refresh_from_db()
    assert referral.status == "issued"
    assert referral.confirmation.confirmer_staff == bob
    assert referral.confirmation.maker == alice


def test_a_wrong_statement_is_refused_recorded_and_left_pending(
    alice, bob, seeker_a, posting_c, posting_d
):
    referral = pending(seeker_a, alice, posting_c)
    with pytest.raises(ValidationError, match="一致しません"):
        services.referral_approve(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_d.number,
            source="callback",
        )
    referral.refresh_from_db()
    assert referral.status == "pending_approval"
    assert Alert.objects.filter(kind="caught_mismatch", referral=referral).count() == 1
    assert AuditEvent.objects.filter(action="referral.statement_refused").count() == 1


@pytest.mark.parametrize("number", ["", "12345678", "07040-1234-5678", "ABCDE-12345678"])
def test_a_malformed_statement_names_the_shape_and_records_nothing(
    alice, bob, seeker_a, posting_c, number
):
    referral = pending(seeker_a, alice, posting_c)
    with pytest.raises(ValidationError) as caught:
        services.referral_approve(
            referral=referral, supervisor=bob, stated_posting_number=number, source="callback"
        )
    assert "07010-12345678" in caught.value.message_dict["stated_posting_number"][0]
    assert not Alert.objects.exists()


def test_the_statement_check_alone_records_a_mismatch(alice, bob, seeker_a, posting_c, posting_d):
    referral = pending(seeker_a, alice, posting_c)
    services.approval_statement_check(
        referral=referral,
        supervisor=bob,
        stated_posting_number=posting_c.number,
        source="callback",
    )
    with pytest.raises(ValidationError):
        services.approval_statement_check(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_d.number,
            source="callback",
        )
    assert Alert.objects.filter(kind="caught_mismatch").count() == 1
    referral.refresh_from_db()
    assert referral.status == "pending_approval"


def test_the_maker_cannot_approve_even_as_a_supervisor(bob, seeker_a, posting_c):
    referral = pending(seeker_a, bob, posting_c)
    with pytest.raises(PermissionDenied, match="自分"):
        services.referral_approve(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )


def test_the_database_refuses_a_confirmation_by_its_maker(alice, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    with pytest.raises(IntegrityError), transaction.atomic():
        Confirmation.objects.create(
            referral=referral,
            method="approval",
            maker=alice,
            operator=alice,
            confirmer_staff=alice,
            posting=posting_c,
            stated_posting_number=posting_c.number,
            confirmed_at=timezone.now(),
        )


def test_a_superuser_clerk_still_cannot_approve(alice, seeker_a, posting_c, koriyama):
    clerk = factories.StaffMemberFactory(
        office=koriyama, user__is_superuser=True, user__is_staff=True
    )
    referral = pending(seeker_a, alice, posting_c)
    with pytest.raises(PermissionDenied):
        services.referral_approve(
            referral=referral,
            supervisor=clerk,
            stated_posting_number=posting_c.number,
            source="callback",
        )


def test_a_supervisor_of_another_office_cannot_approve(alice, carol, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    with pytest.raises(PermissionDenied):
        services.referral_approve(
            referral=referral,
            supervisor=carol,
            stated_posting_number=posting_c.number,
            source="callback",
        )


def test_a_manager_can_approve(alice, seeker_a, posting_c, koriyama):
    manager = factories.StaffMemberFactory(office=koriyama, role="manager")
    referral = pending(seeker_a, alice, posting_c)
    services.referral_approve(
        referral=referral,
        supervisor=manager,
        stated_posting_number=posting_c.number,
        source="callback",
    )
    assert ReferralLetter.objects.get().status == "issued"


def test_reject_returns_the_draft_with_the_reason(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    with pytest.raises(ValidationError):
        services.referral_reject(referral=referral, supervisor=bob, reason="   ")
    services.referral_reject(referral=referral, supervisor=bob, reason="求職者に電話で確認すること")
    referral.refresh_from_db()
    assert referral.status == "draft"
    assert referral.rejection_reason == "求職者に電話で確認すること"
    services.referral_submit(referral=referral, staff=alice)  # and it can come back
    with pytest.raises(PermissionDenied):
        services.referral_reject(referral=referral, supervisor=alice, reason="x")


def test_only_drafts_can_be_submitted(alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    with pytest.raises(ValidationError):
        services.referral_submit(referral=referral, staff=alice)


# -- rule 5: void then re-enter --------------------------------------------------------


@pytest.fixture
def posting_e(establishment_d):
    return factories.JobPostingFactory(number="07040-55554444", establishment=establishment_d)


def test_void_then_re_enter_for_another_establishment_goes_to_approval(
    alice, seeker_a, posting_c, posting_e, koriyama
):
    consultation = consult(seeker_a, alice, apply=[posting_c, posting_e])
    first = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.referral_void(referral=first, staff=alice, reason="入力誤り")
    second = called_draft(consultation=consultation, posting=posting_e, staff=alice)
    assert second.approval_reasons == ["retract_reorder"]
    assert second.previous_referral == first
    alert = Alert.objects.get(kind="retract_reorder")
    assert alert.office == koriyama and alert.referral == second
    with pytest.raises(ValidationError, match="承認"):
        services.referral_confirm_in_session(referral=second, staff=alice, posting_digits="4444")


def test_re_entry_for_the_same_establishment_or_after_30_minutes_is_not_flagged(
    alice, seeker_a, posting_c, posting_e, settings
):
    settings.CONSULTATION_IDLE_MINUTES = 60  # rule 5's window, not rule 3b's, is tried here
    # Mid-morning, so that 31 minutes later is the same day (rule 3b closes at midnight).
    start = timezone.localtime().replace(hour=10, minute=0)
    with time_machine.travel(start, tick=False) as clock:
        consultation = consult(seeker_a, alice, apply=[posting_c, posting_e])
        first = called_draft(consultation=consultation, posting=posting_c, staff=alice)
        services.referral_void(referral=first, staff=alice, reason="入力誤り")
        same = called_draft(consultation=consultation, posting=posting_c, staff=alice)
        assert same.approval_reasons == []
        services.referral_void(referral=same, staff=alice, reason="入力誤り")
        clock.shift(datetime.timedelta(minutes=31))
        later = called_draft(consultation=consultation, posting=posting_e, staff=alice)
        assert later.approval_reasons == []
    assert not Alert.objects.exists()


# -- rule 6: codes are forever ---------------------------------------------------------


def test_codes_have_the_shape_and_a_valid_check_symbol(alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    assert codes.FORMAT.match(referral.code)
    assert codes.parse(referral.code.lower().replace("-", "")) == referral.code


def test_a_mistyped_code_is_caught_by_the_check_symbol():
    code = codes.generate()
    compact = code.replace("-", "")
    for position in range(len(compact)):
        for symbol in codes.ALPHABET:
            if symbol != compact[position]:
                typo = compact[:position] + symbol + compact[position + 1 :]
                with pytest.raises(codes.MalformedCode):
                    codes.parse(typo)


def test_codes_read_forgivingly():
    code = codes.generate()
    typed = code.lower().replace("-", "ー").replace("0", "o").replace("1", "l")
    full_width = "".join(
        chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch for ch in typed
    )
    assert codes.parse(full_width) == code
    for bad in ["", "ABC", code + "X", code.replace(code[0], "U", 1)]:
        with pytest.raises(codes.MalformedCode):
            codes.parse(bad)


def test_a_voided_letter_keeps_its_code_and_the_database_refuses_to_lose_it(
    alice, seeker_a, posting_c
):
    referral = issue_in_person(seeker_a, alice, posting_c)
    code = referral.code
    services.referral_void(referral=referral, staff=alice, reason="求職者の辞退")
    referral.refresh_from_db()
    assert referral.code == code
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralLetter.objects.filter(pk=referral.pk).update(status="issued", code=None)


def test_codes_are_unique_in_the_database(alice, seeker_a, posting_c, posting_d):
    first = issue_in_person(seeker_a, alice, posting_c)
    consultation = consult(seeker_a, alice, apply=[posting_d])
    second = called_draft(consultation=consultation, posting=posting_d, staff=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralLetter.objects.filter(pk=second.pk).update(
            status="issued", code=first.code, issued_at=timezone.now()
        )


# -- rule 7: disclosure is the only way out, after a hold -----------------------------


def test_issue_creates_a_held_snapshot_of_exactly_what_the_employer_sees(
    alice, seeker_a, posting_c, settings
):
    settings.DISCLOSURE_HOLD_MINUTES = 10
    with time_machine.travel(datetime.datetime(2026, 6, 9, 1, 0, tzinfo=datetime.UTC), tick=False):
        referral = issue_in_person(seeker_a, alice, posting_c)
    disclosure = referral.disclosure
    assert disclosure.visible_at - disclosure.created_at == datetime.timedelta(minutes=10)
    assert disclosure.confirmation == referral.confirmation
    assert (
        disclosure.seeker_name,
        disclosure.seeker_kana,
        disclosure.seeker_age,
        disclosure.posting_number,
        disclosure.posting_title,
        disclosure.referral_date,
        disclosure.referral_code,
    ) == (
        "山田 花子",
        "ヤマダ ハナコ",
        36,
        "07040-12345678",
        "倉庫内作業員",
        datetime.date(2026, 6, 9),
        referral.code,
    )
    establishment = posting_c.establishment
    with time_machine.travel(datetime.datetime(2026, 6, 9, 1, 9, tzinfo=datetime.UTC)):
        assert not selectors.disclosures_visible_to(establishment=establishment).exists()
    with time_machine.travel(datetime.datetime(2026, 6, 9, 1, 10, tzinfo=datetime.UTC)):
        assert list(selectors.disclosures_visible_to(establishment=establishment)) == [disclosure]


def test_a_zero_hold_is_visible_at_once(alice, seeker_a, posting_c, settings):
    settings.DISCLOSURE_HOLD_MINUTES = 0
    referral = issue_in_person(seeker_a, alice, posting_c)
    assert list(selectors.disclosures_visible_to(establishment=posting_c.establishment)) == [
        referral.disclosure
    ]


def test_no_mypage_no_disclosure(alice, seeker_a, koriyama):
    posting = factories.JobPostingFactory(
        establishment__has_mypage=False, establishment__office=koriyama
    )
    referral = issue_in_person(seeker_a, alice, posting)
    assert referral.status == "issued" and referral.code
    assert not Disclosure.objects.exists()


def test_voiding_after_the_hold_is_refused(alice, seeker_a, posting_c, settings):
    settings.DISCLOSURE_HOLD_MINUTES = 0
    referral = issue_in_person(seeker_a, alice, posting_c)
    with pytest.raises(ValidationError, match="撤回"):
        services.referral_void(referral=referral, staff=alice, reason="誤り")
    referral.refresh_from_db()
    assert referral.status == "issued"


def test_void_needs_a_reason_and_an_active_letter(alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    with pytest.raises(ValidationError):
        services.referral_void(referral=referral, staff=alice, reason="")
    services.referral_void(referral=referral, staff=alice, reason="辞退")
    with pytest.raises(ValidationError):
        services.referral_void(referral=referral, staff=alice, reason="辞退")


def test_a_disclosure_of_another_establishment_is_never_visible(
    alice, seeker_a, posting_c, establishment_d, settings
):
    settings.DISCLOSURE_HOLD_MINUTES = 0
    issue_in_person(seeker_a, alice, posting_c)
    assert not selectors.disclosures_visible_to(establishment=establishment_d).exists()


# -- office and role checks -------------------------------------------------------------


def test_staff_of_another_office_cannot_touch_a_consultation(alice, carol, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    calls = [
        lambda: services.consultation_close(consultation=consultation, staff=carol),
        lambda: services.interest_record(
            consultation=consultation, posting=posting_c, decision="apply", staff=carol
        ),
        lambda: called_draft(consultation=consultation, posting=posting_c, staff=carol),
        lambda: services.referral_confirm_in_session(
            referral=referral, staff=carol, posting_digits="5678"
        ),
        lambda: services.referral_submit(referral=referral, staff=carol),
        lambda: services.referral_void(referral=referral, staff=carol, reason="x"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()


def test_an_inactive_staff_account_can_do_nothing(alice, seeker_a):
    alice.user.is_active = False
    alice.user.save()
    with pytest.raises(PermissionDenied):
        consult(seeker_a, alice)


# -- rule 10: every service leaves a trace ------------------------------------------------


def test_every_step_writes_its_audit_events(alice, bob, seeker_a, posting_c, posting_d):
    issued = issue_in_person(seeker_a, alice, posting_c)
    services.referral_void(referral=issued, staff=alice, reason="辞退")
    referral = pending(seeker_a, alice, posting_d)
    services.referral_reject(referral=referral, supervisor=bob, reason="確認")
    services.referral_submit(referral=referral, staff=alice)
    services.referral_approve(
        referral=referral,
        supervisor=bob,
        stated_posting_number=posting_d.number,
        source="callback",
    )
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    for action in [
        "consultation.opened",
        "interest.recorded",
        "referral.drafted",
        "referral.confirmed",
        "referral.issued",
        "disclosure.created",
        "referral.voided",
        "disclosure.recalled",
        "referral.submitted",
        "referral.rejected",
        "referral.approved",
    ]:
        assert action in actions, action
    approved = AuditEvent.objects.get(action="referral.approved")
    assert approved.actor == bob.user and approved.target_id == str(referral.pk)


def test_no_personal_data_in_audit_details(alice, bob, seeker_a, posting_c, posting_d):
    issue_in_person(seeker_a, alice, posting_c)
    referral = pending(seeker_a, alice, posting_d)
    with pytest.raises(ValidationError):
        services.referral_approve(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    trail = str(list(AuditEvent.objects.values_list("detail", flat=True)))
    for personal in [seeker_a.name, seeker_a.kana, "1990-05-17", seeker_a.number]:
        assert personal not in trail


def test_whoever_held_the_consultation_cannot_check_it(bob, seeker_a, posting_c, koriyama):
    clerk = factories.StaffMemberFactory(office=koriyama)
    consultation = consult(seeker_a, bob, in_person=False, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=clerk)
    services.referral_submit(referral=referral, staff=clerk)
    with pytest.raises(PermissionDenied, match="自分が作成・記録"):
        services.referral_approve(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )
