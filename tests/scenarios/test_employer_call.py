"""Issue 20: the call to the employer before issue, and the full letter it prints.

The office phones the employer before it issues (hello-work-practice.md section 2): no
letter goes out without that call, none for a posting the employer says is closed, and
one for an employer who could not be reached only where the office allows it, with the
reason on the referral. The letter prints what the call arranged."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from hellowork import services as registry
from hellowork.models import AuditEvent
from referrals import services
from referrals.letters import letter_for_referral
from referrals.models import ApprovalStatement, DisplayReadback, EmployerCall
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import (
    approve,
    call_employer,
    consult,
    digits_of,
    seeker_confirms,
)


@pytest.fixture
def draft(alice, seeker_a, posting_c):
    """A draft in person, the employer not called yet."""
    consultation = consult(seeker_a, alice, apply=[posting_c])
    return services.referral_draft(consultation=consultation, posting=posting_c, staff=alice)


@pytest.fixture
def phone_draft(alice, seeker_a, posting_d):
    """A draft made without the seeker (for posting D), the employer not called yet."""
    consultation = consult(seeker_a, alice, in_person=False, apply=[posting_d])
    return services.referral_draft(consultation=consultation, posting=posting_d, staff=alice)


def trail():
    return list(AuditEvent.objects.values_list("action", flat=True))


# -- no call, no letter --------------------------------------------------------------------


def test_without_a_call_nothing_goes_towards_the_employer(draft, phone_draft, alice):
    before = trail()
    with pytest.raises(ValidationError, match="求人者への連絡がまだです") as refused:
        services.display_show(referral=draft, staff=alice)
    assert refused.value.code == "call_missing"
    with pytest.raises(ValidationError, match="求人者への連絡がまだです"):
        services.referral_submit(referral=phone_draft, staff=alice)
    with pytest.raises(ValidationError, match="求人者への連絡がまだです"):
        services.referral_confirm_in_session(
            referral=draft, staff=alice, posting_digits=digits_of(draft.posting)
        )
    assert trail() == before
    assert not DisplayReadback.objects.exists()
    draft.refresh_from_db()
    phone_draft.refresh_from_db()
    assert draft.status == phone_draft.status == "draft" and draft.code is None


def test_after_the_call_the_letter_is_issued_and_rests_on_it(draft, alice):
    call = call_employer(draft, alice)
    seeker_confirms(draft, alice)
    services.referral_confirm_in_session(
        referral=draft, staff=alice, posting_digits=digits_of(draft.posting)
    )
    draft.refresh_from_db()
    assert draft.status == "issued"
    issued = AuditEvent.objects.get(action="referral.issued")
    assert issued.detail["call_id"] == call.pk and issued.detail["without_call"] is False


def test_the_call_is_traced_with_field_names_never_their_values(draft, alice):
    call_employer(draft, alice, contact_person="人事部 高橋", note="午前中なら在席")
    event = AuditEvent.objects.get(action="referral.employer_called")
    assert event.detail["reached"] is True and event.detail["accepting"] is True
    assert "contact_person" in event.detail["fields"] and "note" in event.detail["fields"]
    assert "高橋" not in str(event.detail) and "午前中" not in str(event.detail)


# -- a posting the employer says is closed ---------------------------------------------


def test_a_posting_the_employer_says_is_closed_is_not_issued(draft, phone_draft, alice):
    call_employer(draft, alice, accepting=False, interview_date=None, interview_time=None,
                  interview_place="")  # fmt: skip
    call_employer(phone_draft, alice, accepting=False, interview_date=None,
                  interview_time=None, interview_place="")  # fmt: skip
    for refuse in [
        lambda: services.display_show(referral=draft, staff=alice),
        lambda: services.referral_submit(referral=phone_draft, staff=alice),
    ]:
        with pytest.raises(ValidationError, match="受付を終了した") as refused:
            refuse()
        assert refused.value.code == "posting_closed"
    assert not DisplayReadback.objects.exists()
    phone_draft.refresh_from_db()
    assert phone_draft.status == "draft"


def test_a_closed_posting_heard_while_waiting_for_approval_stops_the_approval(
    phone_draft, alice, bob
):
    call_employer(phone_draft, alice)
    services.referral_submit(referral=phone_draft, staff=alice)
    # The employer phones back: the posting closed this morning.
    call_employer(phone_draft, alice, accepting=False, interview_date=None,
                  interview_time=None, interview_place="")  # fmt: skip
    with pytest.raises(ValidationError, match="受付を終了した"):
        approve(phone_draft, bob)
    phone_draft.refresh_from_db()
    assert phone_draft.status == "pending_approval" and phone_draft.code is None
    assert not ApprovalStatement.objects.exists()


def test_the_issuance_screen_says_the_posting_closed_and_opens_the_void(draft, alice, seeker_a):
    call_employer(draft, alice, accepting=False, interview_date=None, interview_time=None,
                  interview_place="")  # fmt: skip
    page = client_for(alice.user).get(reverse("referral_detail", args=[draft.pk])).text
    assert "応募の受付を終了したと聞いています" in page
    assert "求職者用画面に表示" not in page
    assert '<details class="panel" open>' in page  # the void, ready


# -- not reached: the office's setting --------------------------------------------------


def test_an_employer_not_reached_stops_the_letter_where_the_office_does_not_allow_it(draft, alice):
    call_employer(draft, alice, reached=False, accepting=None, unreached_reason="evening",
                  interview_date=None, interview_time=None, interview_place="")  # fmt: skip
    with pytest.raises(ValidationError, match="連絡がついていません") as refused:
        services.display_show(referral=draft, staff=alice)
    assert refused.value.code == "call_unreached"
    assert not DisplayReadback.objects.exists()


def test_an_office_that_allows_it_issues_unreached_with_the_reason_on_the_letter(
    draft, alice, koriyama
):
    koriyama.issues_without_call = True
    koriyama.save()
    call_employer(draft, alice, reached=False, accepting=None, unreached_reason="saturday",
                  interview_date=None, interview_time=None, interview_place="")  # fmt: skip
    seeker_confirms(draft, alice)
    services.referral_confirm_in_session(
        referral=draft, staff=alice, posting_digits=digits_of(draft.posting)
    )
    draft.refresh_from_db()
    assert draft.status == "issued"
    assert AuditEvent.objects.get(action="referral.issued").detail["without_call"] is True
    letter = letter_for_referral(draft)
    assert letter.unreached == "土曜" and letter.interview_date is None
    page = client_for(alice.user).get(reverse("referral_letter", args=[draft.pk])).text
    assert '連絡がつかなかったため未定（<span lang="ja">土曜</span>）' in page


def test_other_as_the_reason_needs_its_words(draft, alice, koriyama):
    koriyama.issues_without_call = True
    koriyama.save()
    with pytest.raises(ValidationError) as refused:
        services.employer_call_record(
            referral=draft, staff=alice, reached=False, unreached_reason="other"
        )
    assert "unreached_note" in refused.value.error_dict
    call = services.employer_call_record(
        referral=draft,
        staff=alice,
        reached=False,
        unreached_reason="other",
        unreached_note="担当者が出張中",
    )
    assert call.unreached_note == "担当者が出張中" and call.accepting is None


# -- what the call takes -------------------------------------------------------------------

TOMORROW = object()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reached": True}, None),  # reached, but accepting or not unsaid
        ({"reached": False}, "unreached_reason"),
        ({"reached": False, "unreached_reason": "lunch"}, "unreached_reason"),
        ({"reached": True, "accepting": False, "interview_place": "本社"}, "interview_date"),
        (
            {"reached": False, "unreached_reason": "evening", "interview_date": TOMORROW},
            "interview_date",
        ),
        (
            {"reached": True, "accepting": True, "interview_time": datetime.time(10)},
            "interview_date",
        ),
        (
            {"reached": True, "accepting": True, "interview_date": datetime.date(2000, 1, 1)},
            "interview_date",
        ),
        ({"reached": True, "accepting": True, "contact_person": "x" * 101}, "contact_person"),
    ],
)
def test_bad_calls_are_refused_and_change_nothing(draft, alice, fields, field):
    if fields.get("interview_date") is TOMORROW:
        fields = {**fields, "interview_date": timezone.localdate() + datetime.timedelta(days=1)}
    before = trail()
    with pytest.raises(ValidationError) as refused:
        services.employer_call_record(referral=draft, staff=alice, **fields)
    if field is None:
        assert "accepting" in refused.value.error_dict
    else:
        assert field in refused.value.error_dict, refused.value
    assert not EmployerCall.objects.exists() and trail() == before


def test_another_office_cannot_record_a_call(draft, carol):
    with pytest.raises(PermissionDenied):
        services.employer_call_record(referral=draft, staff=carol, reached=True, accepting=True)
    assert not EmployerCall.objects.exists()


def test_an_issued_letter_takes_no_more_calls(alice, seeker_a, posting_c):
    from tests.referrals.helpers import issue_in_person

    referral = issue_in_person(seeker_a, alice, posting_c)
    with pytest.raises(ValidationError, match="発行済み"):
        call_employer(referral, alice)
    assert referral.calls.count() == 1


# -- the call on the screens ---------------------------------------------------------------


def test_the_call_form_records_and_the_read_back_shows_it(draft, alice, seeker_a):
    counter = client_for(alice.user)
    url = reverse("referral_detail", args=[draft.pk])
    page = counter.get(url).text
    assert 'name="outcome"' in page and "autofocus" in page.split('name="outcome"')[1][:200]
    missing = counter.post(reverse("referral_call", args=[draft.pk]), {"seeker": seeker_a.pk})
    assert missing.status_code == 400 and "連絡の結果を選んでください" in missing.text
    assert not EmployerCall.objects.exists()
    day = timezone.localdate() + datetime.timedelta(days=3)
    done = counter.post(
        reverse("referral_call", args=[draft.pk]),
        {
            "seeker": seeker_a.pk,
            "outcome": "accepting",
            "interview_date": day.isoformat(),
            "interview_time": "14:30",
            "interview_place": "郡山倉庫 事務所",
            "contact_person": "総務課 佐藤",
            "documents": "履歴書、職務経歴書",
            "selection_method": "面接、適性検査",
        },
    )
    assert done.url == url
    page = counter.get(url).text
    for shown in ["郡山倉庫 事務所", "総務課 佐藤", "履歴書、職務経歴書", "面接、適性検査",
                  day.isoformat(), "14:30", "求職者用画面に表示"]:  # fmt: skip
        assert shown in page, shown
    # The form is folded away and the next step has the focus.
    assert "<details><summary>連絡をやり直す" in page


def test_the_next_call_starts_from_the_offices_last_call_about_the_posting(
    alice, seeker_a, posting_c, koriyama
):
    first = services.referral_draft(
        consultation=consult(seeker_a, alice, apply=[posting_c]), posting=posting_c, staff=alice
    )
    call_employer(first, alice, contact_person="総務課 鈴木", documents="履歴書のみ")
    other = factories.JobSeekerFactory(office=koriyama)
    second = services.referral_draft(
        consultation=consult(other, alice, in_person=False, apply=[posting_c]),
        posting=posting_c,
        staff=alice,
    )
    page = client_for(alice.user).get(reverse("referral_detail", args=[second.pk])).text
    assert 'value="総務課 鈴木"' in page and 'value="履歴書のみ"' in page
    assert seeker_a.name not in page  # employer facts only


def test_the_supervisors_read_back_shows_the_call_after_the_statement(
    phone_draft, alice, bob, seeker_a, posting_d
):
    call_employer(phone_draft, alice, interview_place="本社 3階")
    services.referral_submit(referral=phone_draft, staff=alice)
    supervisor = client_for(bob.user)
    url = reverse("approval_detail", args=[phone_draft.pk])
    assert "本社 3階" not in supervisor.get(url).text  # the statement comes first (rule 4)
    right = supervisor.post(
        url,
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "callback",
            "stated_posting_number": posting_d.number,
        },
    )
    assert right.status_code == 200
    for shown in ["本社 3階", "総務課 佐藤", "面接", "求人者への連絡"]:
        assert shown in right.text, shown


# -- the letter ----------------------------------------------------------------------------


def test_the_letter_prints_every_field_of_the_referral_and_the_call(
    alice, seeker_a, posting_c, establishment_c, koriyama
):
    from tests.referrals.helpers import issue_in_person

    establishment_c.address = "福島県郡山市富田町1-2"
    establishment_c.access = "JR郡山駅から徒歩12分"
    establishment_c.save()
    referral = issue_in_person(seeker_a, alice, posting_c)
    page = client_for(alice.user).get(reverse("referral_letter", args=[referral.pk])).text
    call = referral.calls.get()
    for shown in [
        "ハローワーク郡山",
        seeker_a.name,
        seeker_a.number,  # 求職番号
        posting_c.number,
        "株式会社あさひ物流",
        "福島県郡山市富田町1-2",
        "JR郡山駅から徒歩12分",
        "倉庫内作業員",
        "面接",  # 選考方法
        "本社 2階 会議室",
        "10:00",
        "履歴書（写真貼付）、紹介状",
        "総務課 佐藤",
        referral.code,
    ]:
        assert shown in page, shown
    assert call.interview_date.strftime("%-d日") in page
    # あさひ物流 has a my page: the result goes there, no form on the back.
    assert "選考結果通知" not in page


def test_a_letter_to_an_establishment_without_a_my_page_has_the_result_form_on_its_back(
    alice, seeker_a, koriyama
):
    from tests.referrals.helpers import issue_in_person

    koriyama.address, koriyama.fax = "〒963-8000 郡山市方八町5-6", "024-000-1704"
    koriyama.save()
    posting = factories.JobPostingFactory(
        establishment__has_mypage=False, establishment__office=koriyama
    )
    referral = issue_in_person(seeker_a, alice, posting)
    page = client_for(alice.user).get(reverse("referral_letter", args=[referral.pk])).text
    back = page.split('class="letter__back"')[1]
    for shown in ["選考結果通知", "採用", "不採用", "応募者が辞退した", "経験・技能",
                  "求人票の労働条件と採用条件の相違", "024-000-1704", "方八町5-6", "印",
                  referral.code]:  # fmt: skip
        assert shown in back, shown


def test_a_protected_seekers_letter_shows_no_address_or_phone(
    alice, bob, seeker_a, posting_c, establishment_d, koriyama
):
    from tests.referrals.helpers import issue_in_person

    seeker_a.phone, seeker_a.email = "090-1234-5678", "hanako@example.jp"
    seeker_a.save()
    registry.seeker_protection_set(
        seeker=seeker_a, supervisor=bob, reason="DV支援措置", establishments=[establishment_d]
    )
    referral = issue_in_person(seeker_a, alice, posting_c)
    page = client_for(alice.user).get(reverse("referral_letter", args=[referral.pk])).text
    letter = page.split('<article class="letter')[1]
    assert seeker_a.name in letter
    for hidden in ["090-1234-5678", "09012345678", "hanako@example.jp", "DV支援措置"]:
        assert hidden not in letter


def test_the_letter_page_in_english_keeps_the_letter_in_japanese(alice, seeker_a, posting_c):
    from tests.referrals.helpers import issue_in_person

    referral = issue_in_person(seeker_a, alice, posting_c)
    counter = client_for(alice.user)
    counter.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    letter = counter.get(reverse("referral_letter", args=[referral.pk])).text
    assert "面接日時" in letter and "選考方法" in letter and "担当者" in letter
    detail = counter.get(reverse("referral_detail", args=[referral.pk])).text
    assert "Call to the employer" in detail and "Contact person" in detail
    assert "求人者への連絡" not in detail


def test_the_call_form_in_english(draft, alice):
    counter = client_for(alice.user)
    counter.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = counter.get(reverse("referral_detail", args=[draft.pk])).text
    assert "Record the result of the call" in page
    assert "連絡の結果" not in page


def test_no_call_is_recorded_to_an_establishment_the_seeker_is_protected_against(
    draft, alice, bob, seeker_a, establishment_c
):
    """Rule 13: the call names the seeker to the employer; a protection set after the
    draft stops it (the referral page offers no call form, the service refuses)."""
    registry.seeker_protection_set(
        seeker=seeker_a, supervisor=bob, reason="DV等支援措置", establishments=[establishment_c]
    )
    calls, events = EmployerCall.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        call_employer(draft, alice)
    assert (EmployerCall.objects.count(), AuditEvent.objects.count()) == (calls, events)
    page = client_for(alice.user).get(reverse("referral_detail", args=[draft.pk])).text
    assert "data-call-blocked" in page
    assert f'action="{reverse("referral_call", args=[draft.pk])}"' not in page
