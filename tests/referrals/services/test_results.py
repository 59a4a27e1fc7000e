"""Selection results by every route (issue 20): the clerk records a result received on
paper, by fax or by phone, or the seeker's own withdrawal (辞退); one history per referral
whoever records; the my page's result window (翌々々月末 after the posting's validity, in
Japan time); the dashboard's referrals left without a result after it."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hellowork.models import AuditEvent
from referrals import selectors, services
from referrals.models import ReferralLetter, SelectionResult
from referrals.results import (
    result_window_end,
    result_window_last_day,
    result_window_open,
    window_closes_before,
)
from tests import factories
from tests.conftest import client_for
from tests.language import japanese_in_chrome
from tests.referrals.helpers import issue_in_person, retract

JST = ZoneInfo("Asia/Tokyo")


def jst(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=JST)


def employer_records(disclosure, member, **overrides):
    values = {
        "result": "hired",
        "start_date": disclosure.referral_date + datetime.timedelta(days=14),
        "conditions_differ": False,
    }
    values.update(overrides)
    return services.selection_result_record(disclosure=disclosure, member=member, **values)


def clerk_records(referral, staff, **overrides):
    values = {
        "route": "phone",
        "given_by": "人事課 佐藤",
        "result": "not_hired",
        "not_hired_reason": "experience",
        "conditions_differ": False,
    }
    values.update(overrides)
    return services.selection_result_receive(referral=referral, staff=staff, **values)


def trace() -> tuple[int, int]:
    return SelectionResult.objects.count(), AuditEvent.objects.count()


@pytest.fixture
def no_mypage_posting(koriyama):
    """A posting of an establishment without a my page: no disclosure, the letter only."""
    return factories.JobPostingFactory(
        establishment=factories.EstablishmentFactory(office=koriyama, has_mypage=False)
    )


# -- the window -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_until", "last_day"),
    [
        (datetime.date(2027, 11, 10), datetime.date(2028, 2, 29)),  # leap year
        (datetime.date(2027, 11, 30), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 1), datetime.date(2027, 2, 28)),
        (datetime.date(2026, 6, 30), datetime.date(2026, 9, 30)),
        (datetime.date(2026, 10, 31), datetime.date(2027, 1, 31)),  # over the year's end
        (datetime.date(2026, 12, 31), datetime.date(2027, 3, 31)),
    ],
)
def test_the_window_ends_at_the_end_of_the_third_month_after(valid_until, last_day):
    assert result_window_last_day(valid_until) == last_day
    end = result_window_end(valid_until)
    assert end == datetime.datetime.combine(
        last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=JST
    )
    just_before = end - datetime.timedelta(seconds=1)
    assert result_window_open(valid_until, just_before)
    assert not result_window_open(valid_until, end)
    # window_closes_before agrees with result_window_open on both sides of the boundary
    assert (valid_until < window_closes_before(just_before)) is False
    assert valid_until < window_closes_before(end)


def test_the_window_is_japan_time_whatever_the_clock_zone():
    valid_until = datetime.date(2027, 11, 30)
    # 2028-02-29 15:00 UTC is already 2028-03-01 00:00 in Japan
    assert not result_window_open(
        valid_until, datetime.datetime(2028, 2, 29, 15, tzinfo=datetime.UTC)
    )
    assert result_window_open(
        valid_until, datetime.datetime(2028, 2, 29, 14, 59, 59, tzinfo=datetime.UTC)
    )


def test_a_posting_without_a_validity_has_no_cut_off():
    assert result_window_last_day(None) is None
    assert result_window_open(None, jst(2099, 1, 1))


@pytest.fixture
def late_applicant(no_hold, alice, seeker_a, posting_c):
    """seeker_a referred in November 2027 to a posting valid until 2027-11-30: the my
    page takes results until 2028-02-29 (a leap day) 23:59:59 Japan time."""
    posting_c.valid_until = datetime.date(2027, 11, 30)
    posting_c.save(update_fields=["valid_until"])
    with time_machine.travel(jst(2027, 11, 5, 10), tick=False):
        return issue_in_person(seeker_a, alice, posting_c).disclosure


def test_the_my_page_takes_a_result_at_23_59_59_of_the_leap_day(late_applicant, dave):
    with time_machine.travel(jst(2028, 2, 29, 23, 59, 59), tick=False):
        recorded = employer_records(late_applicant, dave)
    assert recorded.route == "mypage"


def test_the_my_page_refuses_at_00_00_00_after_and_changes_nothing(late_applicant, dave):
    before = trace()
    with (
        time_machine.travel(jst(2028, 3, 1, 0, 0, 0), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        employer_records(late_applicant, dave)
    message = refused.value.messages[0]
    assert "2028年2月29日" in message and "電話" in message
    assert trace() == before


def test_a_correction_on_the_my_page_is_refused_after_the_window_too(late_applicant, dave):
    with time_machine.travel(jst(2028, 1, 10, 9), tick=False):
        first = employer_records(late_applicant, dave)
    before = trace()
    with (
        time_machine.travel(jst(2028, 3, 1, 0, 0, 0), tick=False),
        pytest.raises(ValidationError),
    ):
        employer_records(late_applicant, dave, result="not_hired", start_date=None)
    assert trace() == before
    assert selectors.current_selection_result(referral=late_applicant.referral) == first


def test_the_clerk_records_after_the_window(late_applicant, alice):
    with time_machine.travel(jst(2028, 3, 1, 0, 0, 0), tick=False):
        recorded = clerk_records(late_applicant.referral, alice)
    assert recorded.recorded_by_staff == alice and recorded.recorded_by_member is None


def test_a_renewed_posting_moves_the_window(late_applicant, dave, posting_c):
    posting_c.valid_until = datetime.date(2028, 1, 31)  # renewed: valid two more months
    posting_c.save(update_fields=["valid_until"])
    with time_machine.travel(jst(2028, 3, 1, 0, 0, 0), tick=False):
        employer_records(late_applicant, dave)


# -- one history, whoever records ------------------------------------------------------


def test_a_clerk_result_and_an_employer_result_are_one_history(applicant_c, dave, alice):
    referral = applicant_c.referral
    by_employer = employer_records(applicant_c, dave)
    by_clerk = clerk_records(referral, alice)  # the employer phoned: not hired after all
    again = employer_records(applicant_c, dave, result="hired", conditions_differ=True,
                             conditions_difference="勤務時間が違う")  # fmt: skip
    history = list(selectors.selection_results_for_referral(referral=referral))
    assert history == [again, by_clerk, by_employer]
    assert by_clerk.corrects == by_employer and again.corrects == by_clerk
    assert list(selectors.selection_results_of(disclosure=applicant_c)) == history
    assert selectors.current_selection_result(referral=referral) == again
    (employer_row,) = selectors.applicants_for_member(member=dave)
    assert employer_row.current_result == "hired"
    received = AuditEvent.objects.get(action="selection_result.received")
    assert received.target_id == str(by_clerk.pk)
    assert received.detail["route"] == "phone"
    assert received.detail["corrects_id"] == by_employer.pk
    assert "佐藤" not in str(received.detail)  # who gave it is personal: ids only


def test_the_counter_records_for_an_establishment_without_a_my_page(
    no_hold, alice, seeker_a, no_mypage_posting
):
    referral = issue_in_person(seeker_a, alice, no_mypage_posting)
    assert not hasattr(referral, "disclosure") or referral.disclosure is None
    first = clerk_records(referral, alice, route="paper", given_by="総務 田中")
    second = clerk_records(
        referral, alice, route="fax", given_by="総務 田中", result="hired",
        not_hired_reason="", start_date=timezone.localdate() + datetime.timedelta(days=20),
    )  # fmt: skip
    assert list(selectors.selection_results_for_referral(referral=referral)) == [second, first]


def test_the_seeker_reports_a_withdrawal_at_the_counter(applicant_c, alice):
    recorded = clerk_records(
        applicant_c.referral,
        alice,
        route="seeker",
        given_by="",
        not_hired_reason="applicant_withdrew",
    )
    assert (recorded.result, recorded.not_hired_reason) == ("not_hired", "applicant_withdrew")
    assert recorded.get_route_display() == "求職者本人の申し出（辞退）"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"route": "mypage"}, "route"),  # the my page is the employer's own
        ({"route": "email"}, "route"),
        ({"given_by": ""}, "given_by"),
        ({"given_by": "   "}, "given_by"),
        ({"given_by": "あ" * 101}, "given_by"),
        ({"route": "seeker", "given_by": "佐藤"}, "given_by"),
        ({"route": "seeker", "given_by": "", "not_hired_reason": "experience"}, "result"),
        ({"result": "hired", "not_hired_reason": ""}, "start_date"),
        ({"conditions_differ": True}, "conditions_difference"),
        ({"result": "maybe"}, "result"),
    ],
)
def test_a_wrong_clerk_result_is_refused_and_changes_nothing(applicant_c, alice, overrides, field):
    before = trace()
    with pytest.raises(ValidationError) as refused:
        clerk_records(applicant_c.referral, alice, **overrides)
    assert field in refused.value.message_dict
    assert trace() == before


def test_the_same_result_again_is_refused(applicant_c, alice, dave):
    employer_records(applicant_c, dave, result="not_hired", start_date=None,
                     not_hired_reason="experience")  # fmt: skip
    before = trace()
    with pytest.raises(ValidationError):
        clerk_records(applicant_c.referral, alice)
    assert trace() == before


def test_another_office_cannot_record(applicant_c, carol):
    before = trace()
    with pytest.raises(PermissionDenied):
        clerk_records(applicant_c.referral, carol)
    assert trace() == before


def test_only_an_issued_letter_takes_a_result(alice, bob, seeker_a, posting_c, settings):
    from tests.referrals.helpers import consult

    consultation = consult(seeker_a, alice, apply=[posting_c])
    draft = services.referral_draft(consultation=consultation, posting=posting_c, staff=alice)
    before = trace()
    with pytest.raises(ValidationError):
        clerk_records(draft, alice)
    assert trace() == before


def test_a_retracted_referral_takes_no_result(applicant_c, alice, bob):
    referral = applicant_c.referral
    retract(referral, requester=alice, supervisor=bob)
    before = trace()
    with pytest.raises(ValidationError):
        clerk_records(referral, alice)
    assert trace() == before


def test_the_retraction_erases_the_clerks_text_too(applicant_c, alice, bob, dave):
    employer_records(applicant_c, dave, conditions_differ=True, conditions_difference="賃金が違う")
    clerk_records(applicant_c.referral, alice, conditions_differ=True,
                  conditions_difference="就業時間が違うと電話で聞いた")  # fmt: skip
    retract(applicant_c.referral, requester=alice, supervisor=bob)
    rows = list(SelectionResult.objects.all())
    assert len(rows) == 2
    assert all(row.conditions_difference == "" and row.erased_at for row in rows)
    assert all(row.conditions_differ for row in rows)


# -- the database's word ----------------------------------------------------------------


def _row(referral, **fields):
    values = {
        "referral": referral,
        "result": "not_hired",
        "conditions_differ": False,
        "recorded_at": timezone.now(),
    }
    values.update(fields)
    return SelectionResult(**values)


@pytest.mark.parametrize(
    "who",
    [
        {"route": "mypage", "staff": True},  # the my page by a clerk
        {"route": "phone", "member": True, "given_by": "佐藤"},  # a phone call by the employer
        {"route": "phone", "member": True, "staff": True, "given_by": "佐藤"},  # two recorders
        {"route": "phone", "given_by": "佐藤"},  # nobody
        {"route": "mypage"},  # nobody
        {"route": "phone", "staff": True},  # nobody named who gave it
        {"route": "mypage", "member": True, "given_by": "佐藤"},  # a giver on the my page
        {"route": "seeker", "staff": True, "not_hired_reason": "experience"},  # not a withdrawal
        {"route": "post", "staff": True},
    ],
)
def test_the_database_holds_route_and_recorder_together(applicant_c, alice, dave, who):
    fields = {
        "route": who["route"],
        "given_by": who.get("given_by", ""),
        "recorded_by_member": dave if who.get("member") else None,
        "recorded_by_staff": alice if who.get("staff") else None,
        "not_hired_reason": who.get("not_hired_reason", ""),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(applicant_c.referral, **fields).save()
    assert not SelectionResult.objects.exists()


def test_the_database_keeps_one_history_across_routes(applicant_c, alice, dave):
    first = employer_records(applicant_c, dave)
    with pytest.raises(IntegrityError), transaction.atomic():  # a second "first" result
        _row(applicant_c.referral, route="phone", given_by="佐藤", recorded_by_staff=alice).save()
    clerk_records(applicant_c.referral, alice)
    with pytest.raises(IntegrityError), transaction.atomic():  # a fork of the line
        _row(
            applicant_c.referral,
            route="phone",
            given_by="佐藤",
            recorded_by_staff=alice,
            corrects=first,
        ).save()


# -- pages ------------------------------------------------------------------------------


def test_the_counter_records_a_phone_result_and_shows_both_routes(applicant_c, alice, dave):
    employer_records(applicant_c, dave)
    referral = applicant_c.referral
    client = client_for(alice.user)
    response = client.post(
        reverse("referral_result_receive", args=[referral.pk]),
        {
            "seeker": referral.consultation.seeker_id,
            "route": "phone",
            "given_by": "人事課 佐藤",
            "result": "not_hired",
            "not_hired_reason": "applicant_withdrew",
            "conditions_differ": "no",
        },
    )
    assert response.status_code == 302
    current = selectors.current_selection_result(referral=referral)
    assert current.route == "phone" and current.not_hired_reason == "applicant_withdrew"
    page = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert 'data-route="phone"' in page and 'data-route="mypage"' in page
    assert "人事課 佐藤" in page and "（訂正前）" in page
    employer = client_for(dave.user)
    page = employer.get(
        reverse("mypage_applicant", kwargs={"public_id": applicant_c.public_id})
    ).content.decode()
    assert "ハローワークが受付（電話）" in page and "人事課 佐藤" in page


def test_a_refused_counter_form_says_why_and_changes_nothing(applicant_c, alice):
    referral = applicant_c.referral
    before = trace()
    response = client_for(alice.user).post(
        reverse("referral_result_receive", args=[referral.pk]),
        {
            "seeker": referral.consultation.seeker_id,
            "route": "phone",
            "given_by": "",
            "result": "not_hired",
            "conditions_differ": "no",
        },
    )
    assert response.status_code == 400
    assert "連絡してきた事業所の担当者の名前を入力してください。" in response.content.decode()
    assert SelectionResult.objects.count() == before[0]


def test_another_offices_clerk_gets_a_404(applicant_c, carol):
    referral = applicant_c.referral
    response = client_for(carol.user).post(
        reverse("referral_result_receive", args=[referral.pk]),
        {"seeker": referral.consultation.seeker_id, "route": "seeker", "result": "not_hired",
         "not_hired_reason": "applicant_withdrew", "conditions_differ": "no"},
    )  # fmt: skip
    assert response.status_code == 404
    assert not SelectionResult.objects.exists()


@pytest.fixture
def closed_applicant(applicant_c, posting_c):
    """applicant_c whose posting's validity ended long enough ago that the my page's
    result window has closed."""
    posting_c.valid_until = timezone.localdate() - datetime.timedelta(days=200)
    posting_c.save(update_fields=["valid_until"])
    return applicant_c


def test_after_the_window_the_my_page_says_to_phone_and_has_no_button(closed_applicant, dave):
    client = client_for(dave.user)
    detail = reverse("mypage_applicant", kwargs={"public_id": closed_applicant.public_id})
    result_url = reverse("mypage_result", kwargs={"public_id": closed_applicant.public_id})
    page = client.get(detail).content.decode()
    assert 'data-result-window="closed"' in page and "ハローワーク郡山" in page
    assert result_url not in page
    form_page = client.get(result_url).content.decode()
    assert (
        'data-result-window="closed"' in form_page
        and '<form method="post" class="form"' not in form_page
    )
    before = trace()
    response = client.post(
        result_url,
        {
            "result": "hired",
            "start_date": timezone.localdate().isoformat(),
            "conditions_differ": "no",
        },
    )
    assert (
        response.status_code == 200 and 'data-result-window="closed"' in response.content.decode()
    )
    assert SelectionResult.objects.count() == before[0]


def test_within_the_window_the_my_page_says_until_when(applicant_c, posting_c, dave):
    posting_c.valid_until = timezone.localdate()
    posting_c.save(update_fields=["valid_until"])
    page = (
        client_for(dave.user)
        .get(reverse("mypage_applicant", kwargs={"public_id": applicant_c.public_id}))
        .content.decode()
    )
    assert 'data-result-window="open"' in page
    assert reverse("mypage_result", kwargs={"public_id": applicant_c.public_id}) in page


def test_english_pages_of_results_by_every_route(closed_applicant, alice, dave, settings):
    clerk_records(closed_applicant.referral, alice)
    people = [
        (client_for(dave.user), reverse("mypage_applicant", kwargs={"public_id": closed_applicant.public_id})),
        (client_for(dave.user), reverse("mypage_result", kwargs={"public_id": closed_applicant.public_id})),
        (client_for(alice.user), reverse("referral_detail", args=[closed_applicant.referral_id])),
    ]  # fmt: skip
    for client, url in people:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = client.get(url).content.decode()
        assert japanese_in_chrome(html) == [], url
    employer_page = people[0][0].get(people[0][1]).content.decode()
    assert "phone" in employer_page and "Hello Work" in employer_page


# -- the dashboard ----------------------------------------------------------------------


def _referrals_past_window(count, *, staff, posting, before=None):
    """`count` referrals to `posting`, whose validity then ends long ago; `before(made)`
    runs first (results recorded while the window was open). A posting past its validity
    takes no new referral, so its validity is renewed for them first."""
    posting.valid_until = None
    posting.save(update_fields=["valid_until"])
    made = [
        issue_in_person(factories.JobSeekerFactory(office=staff.office), staff, posting)
        for _ in range(count)
    ]
    if before is not None:
        before(made)
    posting.valid_until = timezone.localdate() - datetime.timedelta(days=200)
    posting.save(update_fields=["valid_until"])
    return made


def test_the_dashboard_lists_referrals_without_a_result_after_the_window(
    no_hold, alice, bob, dave, carol, posting_c, no_mypage_posting, koriyama, fukushima
):
    def answer(made):
        employer_records(made[0].disclosure, dave)
        clerk_records(made[1], alice)

    late = _referrals_past_window(3, staff=alice, posting=posting_c, before=answer)
    answered, _by_clerk, waiting = late
    # not listed: within the window, no validity recorded, voided, another office
    within = issue_in_person(factories.JobSeekerFactory(office=koriyama), alice, no_mypage_posting)
    no_mypage_posting.valid_until = timezone.localdate()
    no_mypage_posting.save(update_fields=["valid_until"])
    factories.JobPostingFactory(establishment=posting_c.establishment)
    other_office = factories.JobPostingFactory(
        establishment=factories.EstablishmentFactory(office=fukushima)
    )
    issue_in_person(factories.JobSeekerFactory(office=fukushima), carol, other_office)
    other_office.valid_until = timezone.localdate() - datetime.timedelta(days=200)
    other_office.save(update_fields=["valid_until"])
    listed = list(
        selectors.referrals_without_result_after_window(office_id=koriyama.pk, now=timezone.now())
    )
    assert listed == [waiting]
    assert within not in listed
    page = client_for(bob.user).get(reverse("dashboard")).content.decode()
    assert f'data-referral="{waiting.pk}"' in page
    assert reverse("referral_detail", args=[waiting.pk]) in page
    assert f'data-referral="{answered.pk}"' not in page
    assert seeker_name_absent(page, late)


def seeker_name_absent(page: str, referrals: list[ReferralLetter]) -> bool:
    return all(r.consultation.seeker.name not in page for r in referrals)


def test_the_dashboard_lists_them_in_a_fixed_number_of_queries(no_hold, alice, bob, posting_c):
    """The same queries at 1 row and at 50 (the list shows at most WITHOUT_RESULT_SHOWN)."""
    _referrals_past_window(1, staff=alice, posting=posting_c)
    client = client_for(bob.user)
    client.get(reverse("dashboard"))  # the session and the caches warm
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("dashboard")).content.decode().count("data-referral=") == 1
    _referrals_past_window(54, staff=alice, posting=posting_c)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("dashboard")).content.decode()
    assert page.count("data-referral=") == 50 and "55" in page
    assert len(many) == len(one)


def test_within_the_hold_the_counter_offers_no_result_form(alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)  # the default hold: 10 minutes
    page = client_for(alice.user).get(reverse("referral_detail", args=[referral.pk]))
    assert reverse("referral_result_receive", args=[referral.pk]) not in page.content.decode()
    assert reverse("referral_void", args=[referral.pk]) in page.content.decode()


def test_within_the_hold_a_posted_clerk_result_is_refused_and_changes_nothing(
    alice, seeker_a, posting_c
):
    """The page hides the form within the hold; a form posted anyway is refused too, so no
    result outlives a recall of a letter nobody at the employer saw (rule 7)."""
    referral = issue_in_person(seeker_a, alice, posting_c)  # the default hold: 10 minutes
    before = trace()
    with pytest.raises(ValidationError, match="保留中"):
        clerk_records(referral, alice, result="hired", start_date=timezone.localdate())
    response = client_for(alice.user).post(
        reverse("referral_result_receive", args=[referral.pk]),
        {
            "seeker": seeker_a.pk,
            "route": "phone",
            "given_by": "人事課 佐藤",
            "result": "hired",
            "start_date": timezone.localdate().isoformat(),
            "conditions_differ": "no",
        },
    )
    assert response.status_code == 400
    assert SelectionResult.objects.count() == before[0] == 0
    assert not AuditEvent.objects.filter(action="selection_result.received").exists()
