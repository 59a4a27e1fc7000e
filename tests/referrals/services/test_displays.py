"""Rules 3 and 3b (second wave): the seeker confirms with the seeker's own hands on the desk's
display, and one person alone cannot finish an in-person confirmation, whatever screen
they use. Each way a lone clerk tried is here, refused."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hellowork.models import AuditEvent
from referrals import display_credentials, selectors, services
from referrals.models import (
    Alert,
    Confirmation,
    Consultation,
    CounterDisplay,
    DisplayPairingAttempt,
    DisplayReadback,
    ReferralLetter,
)
from tests import factories
from tests.referrals.helpers import called_draft, consult, desk_display, digits_of, seeker_confirms

# 2026-06-09 10:00 in Tokyo.
MORNING = datetime.datetime(2026, 6, 9, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def draft(clock, alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    return called_draft(consultation=consultation, posting=posting_c, staff=alice)


def confirm(referral, staff, digits="5678"):
    return services.referral_confirm_in_session(
        referral=referral, staff=staff, posting_digits=digits
    )


def assert_not_issued(referral):
    referral.refresh_from_db()
    assert referral.status == "draft" and referral.code is None
    assert not Confirmation.objects.filter(referral=referral).exists()


# -- pairing a display --------------------------------------------------------------------


def test_a_supervisor_registers_a_display_and_its_browser_pairs_once(bob, koriyama):
    display = services.display_pair(supervisor=bob, label="第1窓口")
    code = display.pairing_code
    assert len(code) == 10 and code.isdigit()
    assert code not in display.pairing_code_digest  # only a keyed digest is kept
    # Paired to the office at once (DESIGN.md: active = paired and not retired); no browser
    # holds its credential yet, so the counter does not offer it.
    assert display.is_active and not display.has_device
    assert display not in selectors.active_displays_for_staff(staff=bob)
    pairing = services.display_pairing_redeem(code=f"{code[:5]}－{code[5:]}", ip="10.0.0.5")
    display.refresh_from_db()
    assert pairing.display == display and display.is_active and display.has_device
    assert display in selectors.active_displays_for_staff(staff=bob)
    assert display.pairing_code_digest == ""
    credential = display_credentials.sign(display_id=display.pk, secret=pairing.secret)
    assert selectors.display_for_credential(credential) == display
    with pytest.raises(ValidationError):  # one time only
        services.display_pairing_redeem(code=code, ip="10.0.0.5")
    assert AuditEvent.objects.filter(action="display.paired", target_id=str(display.pk)).exists()


def test_a_clerk_cannot_register_retire_or_issue_codes(alice, bob):
    with pytest.raises(PermissionDenied):
        services.display_pair(supervisor=alice, label="自分の窓口")
    display = services.display_pair(supervisor=bob, label="第1窓口")
    with pytest.raises(PermissionDenied):
        services.display_pairing_renew(display=display, supervisor=alice)
    with pytest.raises(PermissionDenied):
        services.display_retire(display=display, supervisor=alice)


@pytest.mark.parametrize("label", ["", "   ", "x" * 41])
def test_a_display_needs_a_label(bob, label):
    with pytest.raises(ValidationError):
        services.display_pair(supervisor=bob, label=label)
    assert not CounterDisplay.objects.exists()


def test_two_active_displays_of_an_office_cannot_share_a_label(bob, carol):
    services.display_pair(supervisor=bob, label="第1窓口")
    with pytest.raises(ValidationError, match="既に"):
        services.display_pair(supervisor=bob, label="第1窓口")
    services.display_pair(supervisor=carol, label="第1窓口")  # another office: fine


def test_a_pairing_code_expires(bob, settings):
    settings.DISPLAY_PAIRING_CODE_MINUTES = 30
    display = services.display_pair(supervisor=bob, label="第1窓口")
    later = timezone.now() + datetime.timedelta(minutes=31)
    with time_machine.travel(later), pytest.raises(ValidationError, match="期限"):
        services.display_pairing_redeem(code=display.pairing_code, ip="10.0.0.5")
    display.refresh_from_db()
    assert not display.has_device


def test_guessing_pairing_codes_is_limited_per_address_and_watched_in_all(bob):
    display = services.display_pair(supervisor=bob, label="第1窓口")
    for guess in range(5):
        with pytest.raises(ValidationError, match="違う"):
            services.display_pairing_redeem(code=f"{guess:010d}", ip="10.0.0.66")
    # The sixth try from that address is refused before looking, even the right code.
    with pytest.raises(ValidationError, match="しばらく受け付けません"):
        services.display_pairing_redeem(code=display.pairing_code, ip="10.0.0.66")
    assert DisplayPairingAttempt.objects.filter(display__isnull=True).count() == 5
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert services.display_pairing_redeem(code=display.pairing_code, ip="10.0.0.66")
    # Many addresses together raise the alarm once, and block nobody's right code.
    other = services.display_pair(supervisor=bob, label="第2窓口")
    for n in range(60):
        with pytest.raises(ValidationError):
            services.display_pairing_redeem(code="0000000000", ip=f"10.1.{n}.1")
    assert AuditEvent.objects.filter(action="display.pairing_guessing").count() == 1
    assert services.display_pairing_redeem(code=other.pairing_code, ip="10.2.0.1")


def test_pairing_again_ends_the_previous_browsers_credential(bob):
    display = services.display_pair(supervisor=bob, label="第1窓口")
    first = services.display_pairing_redeem(code=display.pairing_code, ip="10.0.0.5")
    old = display_credentials.sign(display_id=display.pk, secret=first.secret)
    renewed = services.display_pairing_renew(display=display, supervisor=bob)
    assert selectors.display_for_credential(old) == display  # until the new code is typed
    second = services.display_pairing_redeem(code=renewed.pairing_code, ip="10.0.0.6")
    assert selectors.display_for_credential(old) is None
    new = display_credentials.sign(display_id=display.pk, secret=second.secret)
    assert selectors.display_for_credential(new) == display


@pytest.mark.parametrize(
    "credential",
    [
        "",
        "garbage",
        display_credentials.sign(display_id=1, secret="guess"),
        "eyJkIjoxLCJzIjoidGVzdC1zZWNyZXQifQ:forged:signature",
    ],
)
def test_a_forged_credential_names_no_display(koriyama, credential):
    factories.CounterDisplayFactory(office=koriyama)
    assert selectors.display_for_credential(credential) is None


# -- the read-back and the seeker's answer --------------------------------------------------


def test_the_seeker_confirms_on_the_display_then_the_clerk_issues(draft, alice, seeker_a):
    readback = services.display_show(referral=draft, staff=alice)
    assert selectors.display_waiting_readback(display=readback.display) == readback
    answer = services.display_seeker_confirm(
        display=readback.display, referral=draft, seeker_birth_date=seeker_a.birth_date
    )
    assert answer.answer == "confirmed"
    # The display clears itself after the answer.
    assert selectors.display_waiting_readback(display=readback.display) is None
    confirm(draft, alice)
    draft.refresh_from_db()
    assert draft.status == "issued"
    assert draft.confirmation.display_answer == answer
    assert AuditEvent.objects.filter(
        action="referral.seeker_confirmed", actor__isnull=True, target_id=str(draft.pk)
    ).exists()


def test_no_answer_on_the_display_no_issue(draft, alice):
    with pytest.raises(ValidationError, match="求職者本人の確認がまだです"):
        confirm(draft, alice)
    services.display_show(referral=draft, staff=alice)  # shown, not yet answered
    with pytest.raises(ValidationError, match="求職者本人の確認がまだです"):
        confirm(draft, alice)
    assert_not_issued(draft)
    assert not Alert.objects.exists()


def test_a_stale_answer_no_issue(draft, alice, clock):
    seeker_confirms(draft, alice)
    clock.shift(datetime.timedelta(minutes=10, seconds=1))
    with pytest.raises(ValidationError, match="10分を過ぎました"):
        confirm(draft, alice)
    assert_not_issued(draft)


def test_a_read_back_left_unanswered_clears_after_two_minutes(draft, alice, seeker_a, clock):
    readback = services.display_show(referral=draft, staff=alice)
    clock.shift(datetime.timedelta(seconds=121))
    assert selectors.display_waiting_readback(display=readback.display) is None
    with pytest.raises(ValidationError, match="表示は終わりました"):
        services.display_seeker_confirm(
            display=readback.display, referral=draft, seeker_birth_date=seeker_a.birth_date
        )
    assert_not_issued(draft)


def test_another_desks_display_cannot_answer(draft, alice, seeker_a, koriyama):
    services.display_show(referral=draft, staff=alice)
    other_desk = factories.CounterDisplayFactory(office=koriyama)
    with pytest.raises(ValidationError):
        services.display_seeker_confirm(
            display=other_desk, referral=draft, seeker_birth_date=seeker_a.birth_date
        )
    with pytest.raises(ValidationError, match="求職者本人の確認がまだです"):
        confirm(draft, alice)
    # Nor shows it: a display sees only what its own desk's clerk sent it.
    assert selectors.display_waiting_readback(display=other_desk) is None


def test_an_answer_on_a_display_retired_since_no_issue(draft, alice, bob):
    readback = seeker_confirms(draft, alice)
    services.display_retire(display=readback.display, supervisor=bob)
    with pytest.raises(ValidationError, match="使用停止"):
        confirm(draft, alice)
    assert_not_issued(draft)


def test_a_retired_display_can_neither_show_nor_answer(draft, alice, bob, seeker_a):
    display = draft.consultation.display
    services.display_show(referral=draft, staff=alice)
    services.display_retire(display=display, supervisor=bob)
    display.refresh_from_db()
    assert selectors.display_waiting_readback(display=display) is None  # taken off
    with pytest.raises(PermissionDenied):
        services.display_seeker_confirm(
            display=display, referral=draft, seeker_birth_date=seeker_a.birth_date
        )
    with pytest.raises(ValidationError, match="使用停止"):
        services.display_show(referral=draft, staff=alice)
    with pytest.raises(ValidationError):
        consult(factories.JobSeekerFactory(office=display.office), alice, display=display)


def test_a_wrong_birth_date_is_a_caught_mismatch_and_is_never_kept(
    draft, alice, seeker_a, koriyama
):
    readback = services.display_show(referral=draft, staff=alice)
    with pytest.raises(ValidationError) as refused:
        services.display_seeker_confirm(
            display=readback.display,
            referral=draft,
            seeker_birth_date=datetime.date(1990, 5, 18),
        )
    assert "seeker_birth_date" in refused.value.message_dict
    readback.refresh_from_db()
    assert readback.answer == "birth_date_mismatch"
    alert = Alert.objects.get(kind="caught_mismatch")
    assert alert.referral == draft and alert.severity == "info" and alert.office == koriyama
    event = AuditEvent.objects.get(action="referral.display_refused")
    assert event.actor is None and event.detail["display_id"] == readback.display_id
    assert "1990" not in str(event.detail) and "05-18" not in str(event.detail)
    with pytest.raises(ValidationError, match="確認ではありませんでした"):
        confirm(draft, alice)
    assert_not_issued(draft)


def test_the_seeker_saying_not_this_job_is_a_caught_mismatch(draft, alice):
    readback = services.display_show(referral=draft, staff=alice)
    with pytest.raises(ValidationError):
        services.display_seeker_decline(display=readback.display, referral=draft)
    readback.refresh_from_db()
    assert readback.answer == "declined"
    assert Alert.objects.filter(kind="caught_mismatch", referral=draft).count() == 1
    with pytest.raises(ValidationError):
        confirm(draft, alice)
    assert_not_issued(draft)


def test_a_later_refusal_takes_back_an_earlier_confirmation(draft, alice, seeker_a):
    seeker_confirms(draft, alice)
    readback = services.display_show(referral=draft, staff=alice)
    with pytest.raises(ValidationError):
        services.display_seeker_decline(display=readback.display, referral=draft)
    with pytest.raises(ValidationError, match="確認ではありませんでした"):
        confirm(draft, alice)
    assert_not_issued(draft)


def test_a_newer_read_back_replaces_the_one_waiting(draft, alice, seeker_a, posting_d):
    services.interest_record(
        consultation=draft.consultation, posting=posting_d, decision="apply", staff=alice
    )
    other = called_draft(consultation=draft.consultation, posting=posting_d, staff=alice)
    first = services.display_show(referral=draft, staff=alice)
    second = services.display_show(referral=other, staff=alice)
    first.refresh_from_db()
    assert first.cleared_at is not None
    assert selectors.display_waiting_readback(display=second.display) == second
    with pytest.raises(ValidationError):  # the seeker can only answer what is on the screen
        services.display_seeker_confirm(
            display=first.display, referral=draft, seeker_birth_date=seeker_a.birth_date
        )


def test_the_clerk_of_another_office_cannot_show(draft, carol):
    with pytest.raises(PermissionDenied):
        services.display_show(referral=draft, staff=carol)
    assert not DisplayReadback.objects.exists()


def test_a_not_in_person_draft_is_never_shown(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, in_person=False, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    with pytest.raises(ValidationError, match="承認"):
        services.display_show(referral=referral, staff=alice)


def test_showing_the_read_back_is_traced_once(draft, alice):
    readback = services.display_show(referral=draft, staff=alice)
    for _ in range(3):  # the display asks every few seconds
        services.display_readback_shown(readback=readback)
    shown = AuditEvent.objects.filter(action="display.readback_shown")
    assert shown.count() == 1
    assert shown.get().detail["seeker_id"] == draft.consultation.seeker_id


# -- rule 3b: the limits ------------------------------------------------------------------


def test_three_caught_mismatches_lock_the_referral_with_a_critical_alert(
    draft, alice, bob, seeker_a
):
    display = draft.consultation.display
    wrong = datetime.date(1990, 5, 18)
    for _ in range(2):
        services.display_show(referral=draft, staff=alice)
        with pytest.raises(ValidationError):
            services.display_seeker_confirm(
                display=display, referral=draft, seeker_birth_date=wrong
            )
    seeker_confirms(draft, alice)
    with pytest.raises(ValidationError):
        confirm(draft, alice, digits="0000")  # the third, by the clerk's digits
    draft.refresh_from_db()
    assert draft.locked_at is not None and "mismatch_lock" in draft.approval_reasons
    locked = Alert.objects.get(kind="referral_locked")
    assert locked.severity == "critical" and locked.referral == draft
    # A fourth try, even the right one, is refused: only an approval issues it now.
    with pytest.raises(ValidationError, match="承認"):
        confirm(draft, alice)
    with pytest.raises(ValidationError, match="承認"):
        services.display_show(referral=draft, staff=alice)
    assert_not_issued(draft)
    services.referral_submit(referral=draft, staff=alice)
    services.referral_approve(
        referral=draft,
        supervisor=bob,
        stated_posting_number=draft.posting.number,
        source="seeker_present",
    )
    draft.refresh_from_db()
    assert draft.status == "issued" and draft.confirmation.method == "approval"


def test_voiding_and_drafting_again_starts_no_fresh_count(draft, alice, seeker_a, posting_c):
    display = draft.consultation.display
    for _ in range(3):
        services.display_show(referral=draft, staff=alice)
        with pytest.raises(ValidationError):
            services.display_seeker_confirm(
                display=display, referral=draft, seeker_birth_date=datetime.date(2000, 1, 1)
            )
    services.referral_void(referral=draft, staff=alice, reason="作り直し")
    again = called_draft(consultation=draft.consultation, posting=posting_c, staff=alice)
    assert "mismatch_lock" in again.approval_reasons
    with pytest.raises(ValidationError, match="承認"):
        services.display_show(referral=again, staff=alice)
    # Nor does a new consultation on the same day.
    services.consultation_close(consultation=draft.consultation, staff=alice)
    fresh = consult(seeker_a, alice)
    assert services.approval_reasons(again) and fresh.is_open
    assert "mismatch_lock" in services.approval_reasons(
        ReferralLetter(consultation=fresh, posting=posting_c, status="draft")
    )


def test_the_lock_is_per_day(draft, alice, seeker_a, clock, posting_c):
    display = draft.consultation.display
    for _ in range(3):
        services.display_show(referral=draft, staff=alice)
        with pytest.raises(ValidationError):
            services.display_seeker_confirm(
                display=display, referral=draft, seeker_birth_date=datetime.date(2000, 1, 1)
            )
    clock.move_to(MORNING + datetime.timedelta(days=1))
    consultation = consult(seeker_a, alice, apply=[posting_c])
    services.referral_void(referral=draft, staff=alice, reason="翌日に作り直し")
    tomorrow = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    assert tomorrow.approval_reasons == []
    seeker_confirms(tomorrow, alice)
    confirm(tomorrow, alice)
    tomorrow.refresh_from_db()
    assert tomorrow.status == "issued"


def test_an_idle_consultation_closes_by_itself(draft, alice, seeker_a, clock, settings):
    settings.CONSULTATION_IDLE_MINUTES = 30
    seeker_confirms(draft, alice)
    clock.shift(datetime.timedelta(minutes=31))
    consultation = draft.consultation
    assert not Consultation.objects.get(pk=consultation.pk).is_open
    with pytest.raises(ValidationError, match="承認"):
        confirm(draft, alice)
    assert_not_issued(draft)
    consultation.refresh_from_db()  # recorded by the refused call, as of when it closed
    assert consultation.closed_reason == "idle"
    assert consultation.closed_at == MORNING + datetime.timedelta(minutes=30)
    assert AuditEvent.objects.filter(action="consultation.closed_by_itself").count() == 1
    with pytest.raises(ValidationError, match="自動で終了"):
        services.interest_record(
            consultation=consultation, posting=draft.posting, decision="apply", staff=alice
        )


def test_every_action_restarts_the_idle_time(alice, seeker_a, posting_c, clock):
    consultation = consult(seeker_a, alice)
    clock.shift(datetime.timedelta(minutes=25))
    services.interest_record(
        consultation=consultation, posting=posting_c, decision="apply", staff=alice
    )
    clock.shift(datetime.timedelta(minutes=25))
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    assert referral.approval_reasons == []
    clock.shift(datetime.timedelta(minutes=25))
    seeker_confirms(referral, alice)
    confirm(referral, alice)
    referral.refresh_from_db()
    assert referral.status == "issued"


def test_yesterdays_consultation_cannot_issue_in_person(alice, seeker_a, posting_c, clock):
    clock.move_to(datetime.datetime(2026, 6, 9, 14, 50, tzinfo=datetime.UTC))  # 23:50 in Tokyo
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    seeker_confirms(referral, alice)
    clock.shift(datetime.timedelta(minutes=11))  # 00:01 the next day, 11 minutes idle
    with pytest.raises(ValidationError, match="承認"):
        confirm(referral, alice)
    consultation.refresh_from_db()
    assert consultation.closed_reason == "end_of_day"
    assert_not_issued(referral)
    # Opening the seeker again today starts a new consultation.
    assert consult(seeker_a, alice) != consultation


def test_a_consultation_opened_two_days_ago_is_closed(alice, seeker_a, posting_c, clock):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    clock.move_to(MORNING + datetime.timedelta(days=2))
    with pytest.raises(ValidationError):
        services.interest_record(
            consultation=consultation, posting=posting_c, decision="apply", staff=alice
        )
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    assert "consultation_closed" in referral.approval_reasons
    with pytest.raises(ValidationError, match="承認"):
        services.display_show(referral=referral, staff=alice)


def test_the_worker_closes_idle_consultations(alice, seeker_a, koriyama, clock):
    idle = consult(seeker_a, alice)
    other = factories.JobSeekerFactory(office=koriyama)
    clock.shift(datetime.timedelta(minutes=20))
    busy = consult(other, alice)
    phone = consult(factories.JobSeekerFactory(office=koriyama), alice, in_person=False)
    clock.shift(datetime.timedelta(minutes=15))
    assert services.consultations_close_expired() == 1
    idle.refresh_from_db(), busy.refresh_from_db(), phone.refresh_from_db()
    assert idle.closed_reason == "idle" and busy.closed_at is None and phone.closed_at is None
    assert services.consultations_close_expired() == 0


def test_the_desk_display_is_kept_on_the_consultation(alice, seeker_a, koriyama):
    desk = desk_display(koriyama)
    consultation = consult(seeker_a, alice, display=desk)
    assert consultation.display == desk
    other_desk = factories.CounterDisplayFactory(office=koriyama)
    # Another desk is another consultation; the same desk resumes.
    assert consult(seeker_a, alice, display=other_desk) != consultation
    assert consult(seeker_a, alice, display=desk) == consultation


def test_the_digits_typed_are_the_last_four(draft, alice, posting_c):
    assert digits_of(posting_c) == "5678"
    seeker_confirms(draft, alice)
    with pytest.raises(ValidationError):
        confirm(draft, alice, digits="1234")  # the first four, printed larger on some postings
    confirm(draft, alice, digits="5678")


# -- found by a review: ways around the rules, closed ------------------------------------


def test_merging_yesterdays_draft_into_today_does_not_reopen_it(alice, seeker_a, posting_c, clock):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    display = consultation.display
    for _ in range(2):
        services.display_show(referral=referral, staff=alice)
        with pytest.raises(ValidationError):
            services.display_seeker_confirm(
                display=display, referral=referral, seeker_birth_date=datetime.date(2000, 1, 1)
            )
    clock.move_to(MORNING + datetime.timedelta(days=1))
    today = consult(seeker_a, alice)
    services.consultation_merge(source=consultation, target=today, staff=alice)
    referral.refresh_from_db()
    assert referral.consultation == today
    assert "consultation_closed" in services.approval_reasons(referral)
    with pytest.raises(ValidationError, match="承認"):
        services.display_show(referral=referral, staff=alice)


def test_a_referrals_own_third_mismatch_locks_it_whatever_the_day(draft, alice, clock):
    display = draft.consultation.display
    services.display_show(referral=draft, staff=alice)
    with pytest.raises(ValidationError):
        services.display_seeker_decline(display=display, referral=draft)
    Alert.objects.filter(referral=draft).update(created_at=MORNING - datetime.timedelta(days=2))
    for _ in range(2):
        services.display_show(referral=draft, staff=alice)
        with pytest.raises(ValidationError):
            services.display_seeker_decline(display=display, referral=draft)
    draft.refresh_from_db()
    assert draft.locked_at is not None  # two today and one before: three on this letter


def test_a_colleague_re_entering_after_a_void_is_flagged_too(
    alice, seeker_a, posting_c, posting_d, koriyama
):
    colleague = factories.StaffMemberFactory(office=koriyama)
    consultation = consult(seeker_a, alice, apply=[posting_c, posting_d])
    first = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.referral_void(referral=first, staff=alice, reason="取り違え")
    again = called_draft(consultation=consultation, posting=posting_d, staff=colleague)
    assert "retract_reorder" in again.approval_reasons


def test_the_contract_a_registered_display_opens_consultations(alice, bob, seeker_a, posting_c):
    """DESIGN.md section 5: display_pair, then consultation_open(..., display=) in person,
    then display_show and display_seeker_confirm with that display, then the digits."""
    display = services.display_pair(supervisor=bob, label="第1窓口")
    consultation = services.consultation_open(
        seeker=seeker_a, staff=alice, in_person=True, display=display
    )
    services.interest_record(
        consultation=consultation, posting=posting_c, decision="apply", staff=alice
    )
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.display_show(referral=referral, staff=alice)
    services.display_seeker_confirm(
        display=display, referral=referral, seeker_birth_date=seeker_a.birth_date
    )
    services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits="5678")
    referral.refresh_from_db()
    assert referral.status == "issued"


def test_the_next_seeker_at_the_desk_never_sees_the_previous_ones_read_back(draft, alice, koriyama):
    readback = services.display_show(referral=draft, staff=alice)
    next_seeker = factories.JobSeekerFactory(office=koriyama)
    consult(next_seeker, alice, display=readback.display)
    assert selectors.display_waiting_readback(display=readback.display) is None
    readback.refresh_from_db()
    assert readback.cleared_at is not None


def test_closing_the_consultation_takes_its_read_back_off_the_display(draft, alice):
    readback = services.display_show(referral=draft, staff=alice)
    services.consultation_close(consultation=draft.consultation, staff=alice)
    assert selectors.display_waiting_readback(display=readback.display) is None


def test_guesses_from_one_ipv6_prefix_count_together(bob):
    display = services.display_pair(supervisor=bob, label="第1窓口")
    for n in range(5):
        with pytest.raises(ValidationError, match="違う"):
            services.display_pairing_redeem(code="0000000000", ip=f"2001:db8:0:1::{n + 1:x}")
    with pytest.raises(ValidationError, match="しばらく受け付けません"):
        services.display_pairing_redeem(code=display.pairing_code, ip="2001:db8:0:1:ffff::9")
    # Another /64 is another source.
    assert services.display_pairing_redeem(code=display.pairing_code, ip="2001:db8:0:2::1")
