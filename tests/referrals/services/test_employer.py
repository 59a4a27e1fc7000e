"""The employer side of the referral (DESIGN.md rules 7, 9 and 10): what an employer can
see and when, selection results, code checks, misdelivery reports and arrival notices."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from hellowork.models import AuditEvent
from referrals import codes, selectors, services
from referrals.models import (
    Alert,
    CodeCheck,
    Disclosure,
    MisdeliveryReport,
    SelectionResult,
)
from tests import factories
from tests.referrals.helpers import issue_in_person

T0 = datetime.datetime(2026, 6, 9, 10, 0, tzinfo=datetime.UTC)


def visible(establishment):
    return list(selectors.disclosures_visible_to(establishment=establishment))


# -- the hold ---------------------------------------------------------------------------


def test_a_disclosure_is_invisible_during_the_hold_and_visible_after(
    alice, seeker_a, posting_c, establishment_c
):
    with time_machine.travel(T0, tick=False):
        disclosure = issue_in_person(seeker_a, alice, posting_c).disclosure
        assert disclosure.visible_at == T0 + datetime.timedelta(minutes=10)
        assert visible(establishment_c) == []
    with time_machine.travel(T0 + datetime.timedelta(minutes=9, seconds=59), tick=False):
        assert visible(establishment_c) == []
    with time_machine.travel(T0 + datetime.timedelta(minutes=10), tick=False):
        assert visible(establishment_c) == [disclosure]


def test_a_recalled_disclosure_never_appears(alice, seeker_a, posting_c, establishment_c):
    with time_machine.travel(T0, tick=False):
        referral = issue_in_person(seeker_a, alice, posting_c)
    with time_machine.travel(T0 + datetime.timedelta(minutes=5), tick=False):
        services.referral_void(referral=referral, staff=alice, reason="入力誤り")
    with time_machine.travel(T0 + datetime.timedelta(days=30), tick=False):
        assert visible(establishment_c) == []
        assert services.employer_notifications_send() == 0
    assert mail.outbox == []


def test_another_establishments_disclosure_is_never_visible(
    applicant_c, establishment_c, establishment_d
):
    assert visible(establishment_c) == [applicant_c]
    assert visible(establishment_d) == []


def test_each_disclosure_has_its_own_opaque_public_id(no_hold, alice, posting_c):
    from tests.employer_portal.helpers import applicants

    first, second = applicants(2, staff=alice, posting=posting_c)
    assert first.public_id != second.public_id
    assert first.public_id.version == 4


# -- selection results ------------------------------------------------------------------


def record(disclosure, member, **overrides):
    values = {
        "result": "hired",
        "start_date": disclosure.referral_date + datetime.timedelta(days=14),
        "not_hired_reason": "",
        "conditions_differ": False,
        "conditions_difference": "",
    }
    values.update(overrides)
    return services.selection_result_record(disclosure=disclosure, member=member, **values)


def test_a_hire_is_recorded_with_its_start_date_and_traced(applicant_c, dave):
    result = record(applicant_c, dave)
    assert result.result == "hired"
    assert result.recorded_by_member == dave and result.route == "mypage"
    assert result.corrects is None
    event = AuditEvent.objects.get(action="selection_result.recorded")
    assert event.actor == dave.user
    assert event.detail["disclosure_id"] == applicant_c.pk
    assert event.detail["result"] == "hired"


def test_a_rejection_may_give_a_reason_from_the_list(applicant_c, dave):
    result = record(
        applicant_c, dave, result="not_hired", start_date=None, not_hired_reason="position_filled"
    )
    assert result.get_not_hired_reason_display() == "採用予定人数に達した"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"result": ""}, "result", "選考結果を「採用」か「不採用」"),
        ({"result": "maybe"}, "result", "選考結果を「採用」か「不採用」"),
        ({"start_date": None}, "start_date", "入社予定日を入力"),
        ({"start_date": "2026-07-01"}, "start_date", "日付で入力"),
        ({"start_date": datetime.date(2000, 1, 1)}, "start_date", "1年以内"),
        ({"start_date": datetime.date(2999, 1, 1)}, "start_date", "1年以内"),
        ({"not_hired_reason": "experience"}, "not_hired_reason", "不採用の場合だけ"),
        (
            {"result": "not_hired", "start_date": datetime.date(2026, 7, 1)},
            "start_date",
            "採用の場合だけ",
        ),
        (
            {"result": "not_hired", "start_date": None, "not_hired_reason": "too_old"},
            "not_hired_reason",
            "一覧から",
        ),
        ({"conditions_differ": None}, "conditions_differ", "相違の有無を選んで"),
        ({"conditions_differ": True}, "conditions_difference", "どのように違うか"),
        (
            {"conditions_differ": True, "conditions_difference": "   "},
            "conditions_difference",
            "どのように違うか",
        ),
        (
            {"conditions_differ": False, "conditions_difference": "賃金が違う"},
            "conditions_difference",
            "空欄に",
        ),
        (
            {"conditions_differ": True, "conditions_difference": "あ" * 2001},
            "conditions_difference",
            "2000文字以内",
        ),
    ],
)
def test_each_bad_input_gets_a_clear_message_and_changes_nothing(
    applicant_c, dave, overrides, field, message
):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        record(applicant_c, dave, **overrides)
    assert message in " ".join(caught.value.message_dict[field])
    assert not SelectionResult.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_start_date_may_be_a_year_after_the_referral_but_not_more(applicant_c, dave):
    year = applicant_c.referral_date + datetime.timedelta(days=366)
    assert record(applicant_c, dave, start_date=year).start_date == year
    with pytest.raises(ValidationError):
        record(applicant_c, dave, start_date=year + datetime.timedelta(days=1))


def test_a_difference_in_conditions_says_how(applicant_c, dave):
    result = record(applicant_c, dave, conditions_differ=True, conditions_difference=" 月給が低い ")
    assert result.conditions_difference == "月給が低い"


def test_a_correction_adds_a_row_and_keeps_the_history(applicant_c, dave):
    first = record(applicant_c, dave)
    second = record(
        applicant_c,
        dave,
        result="not_hired",
        start_date=None,
        not_hired_reason="applicant_withdrew",
    )
    third = record(applicant_c, dave, conditions_differ=True, conditions_difference="勤務地")
    assert second.corrects == first and third.corrects == second
    history = list(selectors.selection_results_of(disclosure=applicant_c))
    assert history == [third, second, first]
    assert selectors.applicants_for_member(member=dave).get().current_result == "hired"
    assert AuditEvent.objects.filter(action="selection_result.recorded").count() == 3
    assert (
        AuditEvent.objects.filter(action="selection_result.recorded")
        .order_by("-id")
        .first()
        .detail["corrects_id"]
        == second.pk
    )


def test_recording_the_same_result_twice_is_refused(applicant_c, dave):
    record(applicant_c, dave)
    with pytest.raises(ValidationError, match="同じ"):
        record(applicant_c, dave)
    assert SelectionResult.objects.count() == 1


def test_results_are_visible_on_the_counter_side(applicant_c, dave):
    referral = applicant_c.referral
    assert selectors.current_selection_result(referral=referral) is None
    first = record(applicant_c, dave)
    second = record(applicant_c, dave, result="not_hired", start_date=None)
    assert list(selectors.selection_results_for_referral(referral=referral)) == [second, first]
    current = selectors.current_selection_result(referral=referral)
    assert current == second
    assert current.recorded_by_member.user == dave.user


def test_the_database_keeps_the_history_one_line(applicant_c, dave):
    first = record(applicant_c, dave)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():  # a second "first" result
        SelectionResult.objects.create(
            referral_id=applicant_c.referral_id,
            route="mypage",
            result="not_hired",
            conditions_differ=False,
            recorded_by_member=dave,
            recorded_at=now,
        )
    record(applicant_c, dave, result="not_hired", start_date=None)
    with pytest.raises(IntegrityError), transaction.atomic():  # a fork
        SelectionResult.objects.create(
            referral_id=applicant_c.referral_id,
            route="mypage",
            corrects=first,
            result="not_hired",
            conditions_differ=False,
            recorded_by_member=dave,
            recorded_at=now,
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"result": "hired", "start_date": None},
        {"result": "not_hired", "start_date": datetime.date(2026, 7, 1)},
        {"result": "hired", "start_date": datetime.date(2026, 7, 1), "not_hired_reason": "other"},
        {"result": "hired", "start_date": datetime.date(2026, 7, 1), "conditions_differ": True},
        {"result": "yes", "start_date": None},
        {"result": "not_hired", "not_hired_reason": "too_old"},
    ],
)
def test_the_database_refuses_a_result_without_its_fields(applicant_c, dave, fields):
    values = {"conditions_differ": False, **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        SelectionResult.objects.create(
            referral_id=applicant_c.referral_id,
            route="mypage",
            recorded_by_member=dave,
            recorded_at=timezone.now(),
            **values,
        )


def test_another_establishment_cannot_record_a_result(applicant_c, erin):
    with pytest.raises(PermissionDenied):
        record(applicant_c, erin)
    assert not SelectionResult.objects.exists()


def test_a_removed_member_can_record_nothing(applicant_c, dave):
    dave.user.is_active = False
    dave.user.save()
    with pytest.raises(PermissionDenied):
        record(applicant_c, dave)


def test_no_result_for_an_applicant_no_longer_visible(applicant_c, dave, alice, bob):
    services.referral_retract(referral=applicant_c.referral, staff=alice, reason="事業所の誤り")
    services.retraction_approve(referral=applicant_c.referral, supervisor=bob)
    with pytest.raises(ValidationError, match="表示されていません"):
        record(applicant_c, dave)


def test_no_result_during_the_hold(alice, dave, seeker_a, posting_c):
    disclosure = issue_in_person(seeker_a, alice, posting_c).disclosure
    with pytest.raises(ValidationError):
        record(disclosure, dave)


# -- code check -------------------------------------------------------------------------


NEUTRAL = services.code_not_registered_message


def names_in(text, *objects):
    names = []
    for obj in objects:
        names += [getattr(obj, attr, "") for attr in ("name", "kana", "seeker_name", "seeker_kana")]
    return [name for name in names if name and name in text]


def test_own_code_shows_the_applicant_and_alerts_nobody(applicant_c, dave):
    answer = services.code_check(member=dave, code=applicant_c.referral_code)
    assert answer.ok and answer.disclosure == applicant_c and not answer.limited
    assert "貴事業所に紹介された応募者のもの" in answer.message
    assert not Alert.objects.exists()
    check = CodeCheck.objects.get()
    assert (check.reason, check.disclosure, check.member) == ("match", applicant_c, dave)
    assert AuditEvent.objects.filter(
        action="code_check.performed", actor=dave.user, detail__disclosure_id=applicant_c.pk
    ).exists()


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.replace("-", "").lower(),
        lambda code: code.translate(
            str.maketrans(
                "0123456789ABCDEFGHJKMNPQRSTVWXYZ-",
                "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＭＮＰＱＲＳＴＶＷＸＹＺー",
            )
        ),
        lambda code: f"  {code[:4]} {code[5:9]} {code[10:]}  ",
    ],
    ids=["compact lower case", "full-width with a long dash", "spaces"],
)
def test_own_code_is_found_however_it_is_typed(applicant_c, dave, typed):
    answer = services.code_check(member=dave, code=typed(applicant_c.referral_code))
    assert answer.ok and answer.disclosure == applicant_c


def test_another_establishments_code_is_neutral_and_alerts_the_issuing_office(
    applicant_c, grace, koriyama, fukushima, seeker_a, establishment_c
):
    answer = services.code_check(member=grace, code=applicant_c.referral_code)
    assert not answer.ok and answer.disclosure is None
    assert answer.message == NEUTRAL()
    assert names_in(answer.message, seeker_a, applicant_c, establishment_c, koriyama) == []
    alert = Alert.objects.get()
    assert alert.kind == "code_mismatch"
    assert alert.office == koriyama  # where the letter was issued, not grace's office
    assert alert.referral == applicant_c.referral
    assert alert.detail["reason"] == "other_establishment"
    assert alert.detail["establishment_id"] == grace.establishment_id
    assert names_in(str(alert.detail), seeker_a, establishment_c, grace.establishment) == []
    assert CodeCheck.objects.get().alert == alert


def test_a_code_recalled_within_the_hold_is_a_mismatch(alice, dave, seeker_a, posting_c, koriyama):
    with time_machine.travel(T0, tick=False):
        referral = issue_in_person(seeker_a, alice, posting_c)
        services.referral_void(referral=referral, staff=alice, reason="入力誤り")
    with time_machine.travel(T0 + datetime.timedelta(hours=1), tick=False):
        answer = services.code_check(member=dave, code=referral.code)
    assert not answer.ok and answer.message == NEUTRAL()
    alert = Alert.objects.get(kind="code_mismatch")
    assert (alert.office, alert.detail["reason"]) == (koriyama, "recalled")


def test_a_voided_letter_without_a_disclosure_is_a_mismatch(
    alice, seeker_a, koriyama, establishment_c, dave
):
    # Issued while C had no my page (so the letter was the only copy), then voided.
    establishment_c.has_mypage = False
    establishment_c.save()
    posting = factories.JobPostingFactory(establishment=establishment_c)
    referral = issue_in_person(seeker_a, alice, posting)
    services.referral_void(referral=referral, staff=alice, reason="入力誤り")
    establishment_c.has_mypage = True
    establishment_c.save()
    answer = services.code_check(member=dave, code=referral.code)
    assert answer.message == NEUTRAL()
    assert Alert.objects.get(kind="code_mismatch").detail["reason"] == "voided"


def test_an_own_code_still_in_its_hold_says_when_it_shows_and_alerts_nobody(
    alice, dave, seeker_a, posting_c
):
    referral = issue_in_person(seeker_a, alice, posting_c)
    visible_at = timezone.localtime(referral.disclosure.visible_at)
    answer = services.code_check(member=dave, code=referral.code)
    assert not answer.ok and answer.disclosure is None
    assert "貴事業所の応募者のものです" in answer.message
    assert visible_at.strftime("%H:%M") in answer.message
    assert seeker_a.name not in answer.message
    assert not Alert.objects.exists() and not CodeCheck.objects.exists()  # not counted
    event = AuditEvent.objects.get(action="code_check.not_shown_own")
    assert event.detail["why"] == "held"


def test_another_establishments_code_in_its_hold_is_a_mismatch(alice, erin, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    answer = services.code_check(member=erin, code=referral.code)
    assert not answer.ok and answer.message == NEUTRAL()
    alert = Alert.objects.get(kind="code_mismatch")
    assert alert.detail["reason"] == "other_establishment" and alert.severity == "critical"


def unknown_code():
    """A well-formed code that no letter has (one in 2^50 that it does)."""
    return codes.generate()


def test_an_unknown_code_alerts_the_establishments_own_office(grace, fukushima):
    typed = unknown_code()
    answer = services.code_check(member=grace, code=typed)
    assert not answer.ok and not answer.mistyped and answer.message == NEUTRAL()
    alert = Alert.objects.get()
    assert (alert.office, alert.referral, alert.detail["reason"]) == (fukushima, None, "unknown")
    assert alert.severity == "critical"
    assert CodeCheck.objects.get().reason == "unknown"


MISTYPED = [
    "7K3M-9Q2X-HT5",  # a wrong check symbol: a typo
    "山田花子",
    "1234",
    "nonsense",
    "",
    "   ",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "7K3M-9Q2X-HT4X",  # one symbol too many
    "U" * 11,  # U is outside the alphabet
    "\u200b" * 11,
    "x" * 5000,
    "%00%27",
    "１２３４",
]


@pytest.mark.parametrize("typed", MISTYPED)
def test_a_mistyped_code_says_so_and_raises_nothing(grace, typed):
    answer = services.code_check(member=grace, code=typed)
    assert answer.mistyped and not answer.ok and not answer.limited
    assert answer.disclosure is None
    assert answer.message == services.employer.code_mistyped_message()
    assert "入力の誤り" in answer.message and "連絡済み" not in answer.message
    assert not Alert.objects.exists()
    assert not CodeCheck.objects.exists()  # not counted against the limit
    event = AuditEvent.objects.get(action="code_check.mistyped")
    assert event.actor == grace.user and event.detail == {"member_id": grace.pk}
    assert (answer.remaining_member, answer.remaining_establishment) == (10, 10)


def test_a_one_symbol_typo_of_an_own_code_is_mistyped_not_a_mismatch(applicant_c, dave):
    code = applicant_c.referral_code
    wrong = next(s for s in codes.ALPHABET if s != code[0])
    answer = services.code_check(member=dave, code=wrong + code[1:])
    assert answer.mistyped and not Alert.objects.exists()


def test_what_was_typed_is_not_kept_when_mistyped(grace):
    services.code_check(member=grace, code="山田花子 090-1234-5678")
    assert "山田" not in str(AuditEvent.objects.values_list("detail", flat=True))


def test_every_mismatch_gets_the_same_answer_and_exactly_one_alert(
    applicant_c, alice, grace, seeker_a, posting_c, koriyama
):
    other = issue_in_person(factories.JobSeekerFactory(office=koriyama), alice, posting_c)
    typed = [applicant_c.referral_code, other.code, unknown_code(), unknown_code()]
    answers = [services.code_check(member=grace, code=code) for code in typed]
    assert {answer.message for answer in answers} == {NEUTRAL()}
    assert Alert.objects.filter(kind="code_mismatch").count() == len(typed)
    assert CodeCheck.objects.filter(alert__isnull=False).count() == len(typed)
    assert AuditEvent.objects.filter(action="alert.raised").count() == len(typed)


def test_the_database_ties_each_mismatch_to_one_alert(applicant_c, grace, dave):
    services.code_check(member=grace, code=unknown_code())
    alert = Alert.objects.get()
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():  # a mismatch without an alert
        CodeCheck.objects.create(
            member=grace, establishment=grace.establishment, checked_at=now, reason="unknown"
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # one alert for two checks
        CodeCheck.objects.create(
            member=grace,
            establishment=grace.establishment,
            checked_at=now,
            reason="unknown",
            alert=alert,
        )


def test_own_codes_never_count_against_the_limit(applicant_c, dave, establishment_c):
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    for member in [dave, colleague] * 10:  # a mass-interview day: 20 checks in a row
        answer = services.code_check(member=member, code=applicant_c.referral_code)
        assert answer.ok and not answer.limited
        assert (answer.remaining_member, answer.remaining_establishment) == (10, 10)
    assert CodeCheck.objects.filter(reason="match").count() == 20
    assert not AuditEvent.objects.filter(action="code_check.rate_limited").exists()


def test_the_eleventh_failed_check_is_refused(applicant_c, grace):
    """The default limits: 10 failed checks an hour per member and per establishment."""
    for done in range(1, 11):
        answer = services.code_check(member=grace, code=unknown_code())
        assert not answer.limited
        assert (answer.remaining_member, answer.remaining_establishment) == (10 - done,) * 2
    answer = services.code_check(member=grace, code=unknown_code())
    assert answer.limited and not answer.ok and answer.disclosure is None
    assert answer.message == services.employer.code_check_limited_message()
    assert "10回" in answer.message and "60分" in answer.message
    assert (answer.remaining_member, answer.remaining_establishment) == (0, 0)
    assert CodeCheck.objects.count() == Alert.objects.count() == 10  # no lookup, no alert
    assert AuditEvent.objects.filter(action="code_check.rate_limited").count() == 1
    # Neither a mistyped code nor another establishment's real one gets past the limit.
    assert services.code_check(member=grace, code="nonsense").mistyped
    assert services.code_check(member=grace, code=applicant_c.referral_code).limited
    assert CodeCheck.objects.count() == Alert.objects.count() == 10


def test_the_rate_limit_per_member(applicant_c, dave, establishment_c, settings):
    settings.CODE_CHECK_LIMIT_PER_MEMBER = 3
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            assert services.code_check(member=dave, code=unknown_code()).limited is False
        answer = services.code_check(member=dave, code=unknown_code())
        assert answer.limited and "3回" in answer.message and "60分" in answer.message
        assert services.code_check(member=dave, code=applicant_c.referral_code).ok
        assert not services.code_check(member=colleague, code=unknown_code()).limited
    assert CodeCheck.objects.exclude(reason="match").count() == 4
    assert AuditEvent.objects.filter(action="code_check.rate_limited").count() == 1
    with time_machine.travel(start + datetime.timedelta(minutes=59), tick=False):
        assert services.code_check(member=dave, code=unknown_code()).limited
    with time_machine.travel(start + datetime.timedelta(minutes=61), tick=False):
        answer = services.code_check(member=dave, code=unknown_code())
        assert not answer.limited and answer.remaining_member == 2


def test_the_rate_limit_per_establishment(applicant_c, dave, establishment_c, settings):
    settings.CODE_CHECK_LIMIT_PER_ESTABLISHMENT = 3
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    services.code_check(member=dave, code=unknown_code())
    services.code_check(member=dave, code=unknown_code())
    answer = services.code_check(member=colleague, code=unknown_code())
    assert (answer.remaining_member, answer.remaining_establishment) == (9, 0)
    answer = services.code_check(member=colleague, code=unknown_code())
    assert answer.limited and not answer.ok
    assert services.code_check(member=colleague, code=applicant_c.referral_code).ok
    assert CodeCheck.objects.exclude(reason="match").count() == 3


def test_the_rate_limit_of_one_establishment_leaves_others_alone(applicant_c, dave, erin, settings):
    settings.CODE_CHECK_LIMIT_PER_ESTABLISHMENT = 1
    services.code_check(member=dave, code=unknown_code())
    assert services.code_check(member=dave, code=unknown_code()).limited
    assert not services.code_check(member=erin, code=unknown_code()).limited


def test_what_is_left_is_counted_in_the_database(applicant_c, dave, establishment_c, settings):
    settings.CODE_CHECK_LIMIT_PER_MEMBER = 4
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    left = services.employer.code_checks_left(member=dave)
    assert (left.member, left.establishment, left.window_minutes) == (4, 10, 60)
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=61), tick=False):
        services.code_check(member=dave, code=unknown_code())  # outside the window
    services.code_check(member=dave, code=unknown_code())
    services.code_check(member=dave, code=applicant_c.referral_code)  # a match: not counted
    services.code_check(member=dave, code="1234")  # mistyped: not counted
    services.code_check(member=colleague, code=unknown_code())
    left = services.employer.code_checks_left(member=dave)
    assert (left.member, left.establishment) == (3, 8)
    left = services.employer.code_checks_left(member=colleague)
    assert (left.member, left.establishment) == (3, 8)


def test_a_removed_member_cannot_check_codes(applicant_c, dave):
    dave.user.is_active = False
    dave.user.save()
    with pytest.raises(PermissionDenied):
        services.code_check(member=dave, code=applicant_c.referral_code)
    assert not CodeCheck.objects.exists()


# -- misdelivery report -----------------------------------------------------------------


def test_a_misdelivery_report_alerts_the_issuing_office_at_once(applicant_c, dave, koriyama):
    report = services.misdelivery_report(
        disclosure=applicant_c, member=dave, note=" 応募の予定を聞いていません "
    )
    assert report.note == "応募の予定を聞いていません"
    alert = Alert.objects.get(kind="misdelivery_report")
    assert alert == report.alert
    assert (alert.office, alert.referral) == (koriyama, applicant_c.referral)
    assert alert.resolved_at is None
    assert alert in selectors.open_alerts_for_staff(
        staff=factories.StaffMemberFactory(office=koriyama)
    )
    assert "応募の予定" not in str(alert.detail)  # the note may name people: not in the alert
    assert AuditEvent.objects.filter(action="misdelivery.reported", actor=dave.user).exists()


def test_a_report_needs_no_note(applicant_c, dave):
    assert services.misdelivery_report(disclosure=applicant_c, member=dave, note="").note == ""


def test_a_second_report_and_an_overlong_note_are_refused(applicant_c, dave):
    with pytest.raises(ValidationError, match="2000文字以内"):
        services.misdelivery_report(disclosure=applicant_c, member=dave, note="あ" * 2001)
    assert not Alert.objects.exists()
    services.misdelivery_report(disclosure=applicant_c, member=dave, note="")
    with pytest.raises(ValidationError, match="既に報告済み"):
        services.misdelivery_report(disclosure=applicant_c, member=dave, note="")
    assert Alert.objects.count() == MisdeliveryReport.objects.count() == 1


def test_another_establishment_cannot_report(applicant_c, erin):
    with pytest.raises(PermissionDenied):
        services.misdelivery_report(disclosure=applicant_c, member=erin, note="")
    assert not Alert.objects.exists()


# -- views of personal data ---------------------------------------------------------------


def test_a_view_of_an_applicant_is_traced_and_only_for_its_establishment(applicant_c, dave, erin):
    services.disclosure_view_record(disclosure=applicant_c, member=dave)
    event = AuditEvent.objects.get(action="disclosure.viewed")
    assert (event.actor, event.target_id) == (dave.user, str(applicant_c.pk))
    with pytest.raises(PermissionDenied):
        services.disclosure_view_record(disclosure=applicant_c, member=erin)
    with pytest.raises(PermissionDenied):
        services.disclosures_list_view_record(member=erin, disclosures=[applicant_c])


# -- arrival notices --------------------------------------------------------------------


@pytest.fixture
def colleagues(dave, establishment_c):
    """dave plus two more members of C, one of whom was removed."""
    active = factories.EmployerMemberFactory(establishment=establishment_c)
    removed = factories.EmployerMemberFactory(establishment=establishment_c)
    removed.user.is_active = False
    removed.user.save()
    return [dave, active, removed]


def test_one_email_per_visible_applicant_per_active_member(
    alice, seeker_a, posting_c, colleagues, erin
):
    dave, active, _removed = colleagues
    with time_machine.travel(T0, tick=False):
        referral = issue_in_person(seeker_a, alice, posting_c)
        assert services.employer_notifications_send() == 0  # still in the hold
    assert mail.outbox == []
    with time_machine.travel(T0 + datetime.timedelta(minutes=10), tick=False):
        assert services.employer_notifications_send() == 1
        assert sorted(message.to[0] for message in mail.outbox) == sorted(
            [dave.user.email, active.user.email]
        )
        assert all(len(message.recipients()) == 1 for message in mail.outbox)
        assert services.employer_notifications_send() == 0  # nothing twice
        out = io.StringIO()
        call_command("notify_employers", stdout=out)
        assert out.getvalue() == "notified: 0, withdrawn: 0\n"
    assert len(mail.outbox) == 2
    referral.disclosure.refresh_from_db()
    assert referral.disclosure.notified_at == T0 + datetime.timedelta(minutes=10)
    event = AuditEvent.objects.get(action="disclosure.notified")
    assert sorted(event.detail["member_ids"]) == sorted([dave.pk, active.pk])


def test_the_notice_holds_no_personal_data(applicant_c, dave, seeker_a, establishment_c, settings):
    settings.SITE_URL = "https://hellowork.example"
    services.employer_notifications_send()
    (message,) = mail.outbox
    text = message.subject + "\n" + message.body
    referral = applicant_c.referral
    for secret in [
        seeker_a.name,
        seeker_a.kana,
        seeker_a.number,
        *seeker_a.name.split(),
        applicant_c.posting_title,
        applicant_c.posting_number,
        referral.code,
        referral.code.replace("-", ""),
        establishment_c.name,
        establishment_c.number,
        str(applicant_c.public_id),
        str(seeker_a.birth_date.year),
    ]:
        assert secret not in text, secret
    assert "新しい応募者" in message.subject
    assert "https://hellowork.example/mypage/login/" in message.body


def test_every_disclosure_gets_its_own_notice(no_hold, alice, posting_c, dave):
    from tests.employer_portal.helpers import applicants

    applicants(3, staff=alice, posting=posting_c)
    assert services.employer_notifications_send(limit=2) == 2
    assert services.employer_notifications_send(limit=2) == 1
    assert len(mail.outbox) == 3


def test_a_failing_mail_server_leaves_the_applicant_for_the_next_round(
    applicant_c, dave, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with pytest.raises(ConnectionRefusedError):
        services.employer_notifications_send()
    applicant_c.refresh_from_db()
    assert applicant_c.notified_at is None
    monkeypatch.undo()
    assert services.employer_notifications_send() == 1
    assert len(mail.outbox) == 1


def test_the_database_refuses_a_notice_for_a_recalled_disclosure(alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    services.referral_void(referral=referral, staff=alice, reason="入力誤り")
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.filter(referral=referral).update(
            notified_at=timezone.now() + datetime.timedelta(hours=1)
        )


def withdraw(disclosure, *, requester, supervisor):
    referral = disclosure.referral
    services.referral_retract(referral=referral, staff=requester, reason="誤って紹介した")
    services.retraction_approve(referral=referral, supervisor=supervisor)
    disclosure.refresh_from_db()
    return disclosure


def test_a_withdrawn_applicant_is_announced_once_to_each_active_member(
    applicant_c, colleagues, alice, bob, seeker_a, establishment_c, settings
):
    settings.SITE_URL = "https://hellowork.example"
    dave, active, _removed = colleagues
    services.employer_notifications_send()
    mail.outbox.clear()
    assert services.employer_withdrawal_notices_send() == 0  # nothing withdrawn yet
    withdraw(applicant_c, requester=alice, supervisor=bob)
    out = io.StringIO()
    call_command("notify_employers", stdout=out)
    assert out.getvalue() == "notified: 0, withdrawn: 1\n"
    assert services.employer_withdrawal_notices_send() == 0  # once
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [dave.user.email, active.user.email]
    )
    message = mail.outbox[0]
    text = message.subject + "\n" + message.body
    assert "取り下げ" in message.subject and "控え" in message.body
    assert "https://hellowork.example/mypage/login/" in message.body
    for secret in [
        seeker_a.name,
        seeker_a.kana,
        seeker_a.number,
        applicant_c.posting_number,
        applicant_c.referral_code,
        establishment_c.name,
        str(applicant_c.public_id),
    ]:
        assert secret not in text, secret
    applicant_c.refresh_from_db()
    assert applicant_c.withdrawal_notified_at >= applicant_c.retracted_at
    event = AuditEvent.objects.get(action="disclosure.withdrawal_notified")
    assert sorted(event.detail["member_ids"]) == sorted([dave.pk, active.pk])


def test_a_recall_within_the_hold_sends_no_withdrawal(alice, seeker_a, posting_c, dave):
    referral = issue_in_person(seeker_a, alice, posting_c)
    services.referral_void(referral=referral, staff=alice, reason="入力誤り")
    assert services.employer_withdrawal_notices_send() == 0
    assert mail.outbox == []


def test_a_failing_mail_server_leaves_the_withdrawal_for_the_next_round(
    applicant_c, dave, alice, bob, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    services.employer_notifications_send()
    withdraw(applicant_c, requester=alice, supervisor=bob)
    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, messages: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.employer_withdrawal_notices_send()
    applicant_c.refresh_from_db()
    assert applicant_c.withdrawal_notified_at is None
    monkeypatch.undo()
    assert services.employer_withdrawal_notices_send() == 1


def test_the_database_refuses_a_withdrawal_notice_without_a_retraction(applicant_c):
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.filter(pk=applicant_c.pk).update(withdrawal_notified_at=timezone.now())


def test_the_worker_loops_until_stopped(applicant_c, dave, monkeypatch, capsys):
    import time

    rounds = []

    def stop_after_two(seconds):
        rounds.append(seconds)
        if len(rounds) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", stop_after_two)
    # Between rounds the worker drops stale connections; here that would be the test's own.
    monkeypatch.setattr(
        "hellowork.worker.close_old_connections",
        lambda: None,
    )
    call_command("notify_employers", "--loop", "5")
    assert rounds == [5, 5]
    assert len(mail.outbox) == 1  # the first round sent it, the second found nothing
    assert "notify_employers: stopped" in capsys.readouterr().out
