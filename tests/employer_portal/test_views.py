"""The my-page screens: what an employer sees, what each form does with good and bad
input, and the trace every view of an applicant leaves."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from hellowork import services as registry_services
from hellowork.models import AuditEvent, EmployerMember
from referrals import codes, lifecycle, selectors, services
from referrals.models import Alert, CodeCheck, MisdeliveryReport, SelectionResult
from tests import factories
from tests.conftest import client_for
from tests.employer_portal.helpers import applicants
from tests.factories import TEST_PASSWORD
from tests.referrals.helpers import issue_in_person


def detail_url(disclosure, name="mypage_applicant"):
    return reverse(name, kwargs={"public_id": disclosure.public_id})


def hrefs(response):
    return re.findall(r'(?:href|action)="([^"]*)"', response.text)


# -- the applicant list -----------------------------------------------------------------


def test_the_list_shows_the_snapshot_of_each_applicant(applicant_c, dave_client):
    response = dave_client.get("/mypage/")
    assert response.status_code == 200
    text = response.text
    for value in [
        applicant_c.seeker_name,
        applicant_c.seeker_kana,
        f"{applicant_c.seeker_age}歳",
        applicant_c.posting_number,
        applicant_c.posting_title,
        applicant_c.referral_code,
        applicant_c.referral_date.strftime("%Y/%m/%d"),
        "令和",
        "未記録",
    ]:
        assert value in text, value
    assert detail_url(applicant_c) in text


def test_the_list_shows_only_this_establishments_visible_applicants(
    applicant_c, alice, posting_d, koriyama, erin, dave_client, settings
):
    of_d = issue_in_person(factories.JobSeekerFactory(office=koriyama), alice, posting_d)
    settings.DISCLOSURE_HOLD_MINUTES = 10
    held = issue_in_person(
        factories.JobSeekerFactory(office=koriyama), alice, applicant_c.referral.posting
    )
    text = dave_client.get("/mypage/").text
    assert detail_url(applicant_c) in text
    assert detail_url(of_d.disclosure) not in text
    assert detail_url(held.disclosure) not in text
    assert text.count("/mypage/applicants/") == 1
    text_d = client_for(erin.user).get("/mypage/").text
    assert detail_url(of_d.disclosure) in text_d
    assert detail_url(applicant_c) not in text_d


def test_no_personal_data_in_any_url_of_the_list(applicant_c, dave_client, seeker_a):
    response = dave_client.get("/mypage/")
    links = hrefs(response)
    assert detail_url(applicant_c) in links
    for link in links:
        for secret in [
            seeker_a.number,
            seeker_a.name,
            seeker_a.kana,
            applicant_c.referral_code,
            f"/{applicant_c.pk}/",
        ]:
            assert secret not in link, (secret, link)


def test_the_list_is_newest_first_and_paginated(no_hold, alice, posting_c, dave_client):
    rows = []
    start = timezone.now() - datetime.timedelta(hours=1)
    for minute in range(26):
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            rows += applicants(1, staff=alice, posting=posting_c)
    first = dave_client.get("/mypage/")
    assert "26人" in first.text and "1 / 2ページ" in first.text
    assert first.text.index(detail_url(rows[-1])) < first.text.index(detail_url(rows[-2]))
    assert detail_url(rows[0]) not in first.text
    second = dave_client.get("/mypage/?page=2")
    assert detail_url(rows[0]) in second.text
    assert detail_url(rows[1]) not in second.text
    assert dave_client.get("/mypage/?page=999").status_code == 200  # the last page
    assert dave_client.get("/mypage/?page=x").status_code == 200  # the first page


def test_the_list_filters_by_posting_and_by_result(
    no_hold, alice, posting_c, establishment_c, dave, dave_client
):
    other_posting = factories.JobPostingFactory(establishment=establishment_c, title="事務員")
    hired, pending = applicants(2, staff=alice, posting=posting_c)
    (clerk,) = applicants(1, staff=alice, posting=other_posting)
    services.selection_result_record(
        disclosure=hired,
        member=dave,
        result="hired",
        start_date=hired.referral_date,
        conditions_differ=False,
    )
    page = dave_client.get("/mypage/").text
    # The filter offers it, marked as Japanese data.
    assert f'<option value="{other_posting.number}" lang="ja">' in page

    by_posting = dave_client.get("/mypage/", {"posting": other_posting.number}).text
    assert detail_url(clerk) in by_posting and detail_url(hired) not in by_posting
    by_result = dave_client.get("/mypage/", {"status": "hired"}).text
    assert detail_url(hired) in by_result and detail_url(pending) not in by_result
    assert "採用" in by_result
    unrecorded = dave_client.get("/mypage/", {"status": "none"}).text
    assert detail_url(pending) in unrecorded and detail_url(clerk) in unrecorded
    assert detail_url(hired) not in unrecorded
    both = dave_client.get("/mypage/", {"status": "none", "posting": posting_c.number}).text
    assert detail_url(pending) in both and detail_url(clerk) not in both
    nobody = dave_client.get("/mypage/", {"status": "not_hired"}).text
    assert "条件に合う応募者はいません" in nobody


def test_a_bad_filter_is_named_and_ignored(applicant_c, dave_client):
    response = dave_client.get("/mypage/", {"posting": "07040-99999999", "status": "maybe"})
    assert response.status_code == 200
    assert "一覧にある項目から選んでください" in response.text
    assert applicant_c.seeker_name in response.text


def test_another_establishments_posting_cannot_be_filtered_on(applicant_c, posting_d, erin):
    response = client_for(erin.user).get("/mypage/", {"posting": applicant_c.posting_number})
    assert "一覧にある項目から選んでください" in response.text
    assert applicant_c.seeker_name not in response.text


def test_the_list_records_who_saw_which_rows(applicant_c, dave, dave_client):
    dave_client.get("/mypage/", REMOTE_ADDR="192.0.2.7")
    event = AuditEvent.objects.get(action="disclosure.listed")
    assert event.actor == dave.user
    assert event.ip == "192.0.2.7"
    assert event.detail == {"disclosure_ids": [applicant_c.pk]}


def test_an_empty_list_says_so_and_records_nothing(dave_client):
    response = dave_client.get("/mypage/")
    assert "紹介された応募者はまだいません" in response.text
    assert not AuditEvent.objects.filter(action="disclosure.listed").exists()


def list_queries(*, by_result: bool = False):
    # session, user, the second factor's device, member, posting filter (with each
    # posting's count: the list's length unless it is filtered by result, issue 18), rows,
    # retraction notices, applicants hidden on the establishment's report; the audit event,
    # one INSERT (issue 18: no lock, no read of the last hash, and no transaction of its
    # own around a read's event; the sealer hashes it later). Filtered by result, a COUNT.
    return 10 if by_result else 9


def test_the_list_takes_as_many_queries_for_1_row_as_for_50(
    no_hold, alice, posting_c, establishment_c, dave, dave_client, django_assert_num_queries
):
    (first,) = applicants(1, staff=alice, posting=posting_c)
    services.selection_result_record(
        disclosure=first,
        member=dave,
        result="hired",
        start_date=first.referral_date,
        conditions_differ=False,
    )
    with django_assert_num_queries(list_queries()):
        assert dave_client.get("/mypage/").status_code == 200

    other_posting = factories.JobPostingFactory(establishment=establishment_c)
    more = applicants(24, staff=alice, posting=posting_c)
    more += applicants(25, staff=alice, posting=other_posting)
    services.misdelivery_report(disclosure=more[0], member=dave, note="")
    with django_assert_num_queries(list_queries()):
        response = dave_client.get("/mypage/")
    assert "49人" in response.text  # the reported one is hidden (rule 11) and counted apart
    assert "応募者 1人は" in response.text
    with django_assert_num_queries(list_queries()):
        response = dave_client.get("/mypage/", {"posting": other_posting.number})
    assert "25人" in response.text
    with django_assert_num_queries(list_queries(by_result=True)):
        response = dave_client.get("/mypage/", {"page": 2, "status": "none"})
    assert "48人" in response.text  # the hired one has a result
    assert "2 / 2ページ" in response.text


def test_the_list_s_length_and_rows_share_one_moment(
    no_hold, alice, posting_c, dave_client, monkeypatch
):
    """The list takes its length from the posting filter's counts (issue 18): a hold that
    ended between that query and the rows' would make the two disagree (the oldest
    applicant falling off the last page), so both ask "visible when?" for one moment."""
    applicants(2, staff=alice, posting=posting_c)
    moments = []
    real_visible_q = lifecycle.visible_q

    def recording(now):
        moments.append(now)
        return real_visible_q(now)

    monkeypatch.setattr(lifecycle, "visible_q", recording)
    for query in ({}, {"posting": posting_c.number}, {"status": "none"}):
        moments.clear()
        assert "2人" in dave_client.get("/mypage/", query).text
        assert len(moments) >= 2 and len(set(moments)) == 1, moments


# -- one applicant ----------------------------------------------------------------------


def test_the_detail_shows_the_snapshot_and_nothing_else(applicant_c, dave_client, seeker_a):
    seeker_a.phone = "024-000-1234"
    seeker_a.save()
    response = dave_client.get(detail_url(applicant_c))
    assert response.status_code == 200
    for value in [
        applicant_c.seeker_name,
        applicant_c.seeker_kana,
        applicant_c.posting_number,
        applicant_c.posting_title,
        applicant_c.referral_code,
        "ハローワーク郡山",
    ]:
        assert value in response.text
    for hidden in [
        seeker_a.number,
        seeker_a.phone,
        "1990年",
        "1990-05-17",
        "1990/05/17",
        "平成2年",
    ]:
        assert hidden not in response.text


def test_each_view_of_an_applicant_is_traced(applicant_c, dave, dave_client):
    for name in ["mypage_applicant", "mypage_letter", "mypage_result", "mypage_misdelivery"]:
        dave_client.get(detail_url(applicant_c, name), REMOTE_ADDR="198.51.100.4")
    events = AuditEvent.objects.filter(action="disclosure.viewed").order_by("id")
    assert [event.detail["page"] for event in events] == [
        "detail",
        "letter",
        "result_form",
        "misdelivery_form",
    ]
    for event in events:
        assert (event.actor, event.target_id, event.ip) == (
            dave.user,
            str(applicant_c.pk),
            "198.51.100.4",
        )


def test_the_letter_is_printable_and_holds_only_the_snapshot(
    applicant_c, dave_client, establishment_c, seeker_a
):
    response = dave_client.get(detail_url(applicant_c, "mypage_letter"))
    text = response.text
    assert "紹介状" in text and 'class="letter"' in text
    assert f'<span lang="ja">{establishment_c.name}</span> 御中' in text
    assert "ハローワーク郡山" in text
    assert applicant_c.referral_code in text and applicant_c.seeker_name in text
    assert seeker_a.number not in text and "1990年" not in text and "平成2年" not in text
    assert "<script>" not in text and "style=" not in text  # CSP: no inline script or style
    assert "hellowork/print.js" in text and "<svg" in text  # print button, QR of the code


def test_the_hold_on_the_detail_page(alice, seeker_a, posting_c, dave_client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        disclosure = issue_in_person(seeker_a, alice, posting_c).disclosure
        assert dave_client.get(detail_url(disclosure)).status_code == 404
        assert seeker_a.name not in dave_client.get("/mypage/").text
    with time_machine.travel(start + datetime.timedelta(minutes=10), tick=False):
        assert dave_client.get(detail_url(disclosure)).status_code == 200
        assert seeker_a.name in dave_client.get("/mypage/").text


def test_a_recalled_applicant_is_never_shown(alice, seeker_a, posting_c, dave_client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = issue_in_person(seeker_a, alice, posting_c)
        services.referral_void(referral=referral, staff=alice, reason="入力誤り")
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):  # past the hold
        for name in ["mypage_applicant", "mypage_letter", "mypage_result", "mypage_misdelivery"]:
            assert dave_client.get(detail_url(referral.disclosure, name)).status_code == 404
        assert seeker_a.name not in dave_client.get("/mypage/").text


# -- selection results ------------------------------------------------------------------


def test_recording_a_result_through_the_form(applicant_c, dave_client):
    url = detail_url(applicant_c, "mypage_result")
    start = applicant_c.referral_date + datetime.timedelta(days=7)
    response = dave_client.post(
        url,
        {
            "result": "hired",
            "start_date": start.isoformat()
            .replace("-", "/")
            .translate(str.maketrans("0123456789/", "０１２３４５６７８９／")),
            "not_hired_reason": "",
            "conditions_differ": "yes",
            "conditions_difference": "月給が求人票より1万円低い",
        },
        follow=True,
    )
    assert response.redirect_chain == [(detail_url(applicant_c), 302)]
    assert "選考結果を記録しました" in response.text
    result = SelectionResult.objects.get()
    assert (result.result, result.start_date, result.conditions_differ) == ("hired", start, True)
    assert "月給が求人票より1万円低い" in response.text
    assert "選考結果を訂正する" in response.text
    # The counter sees it too.
    assert selectors.current_selection_result(referral=applicant_c.referral) == result


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "選考結果を「採用」か「不採用」から選んでください"),
        (
            {"result": "hired", "conditions_differ": "no"},
            "採用の場合は入社予定日を入力してください",
        ),
        (
            {"result": "hired", "start_date": "来月", "conditions_differ": "no"},
            "入社予定日を「2026-04-01」の形で入力してください",
        ),
        (
            {"result": "hired", "start_date": "2001-01-01", "conditions_differ": "no"},
            "1年以内の日付",
        ),
        ({"result": "not_hired"}, "相違の有無を選んでください"),
        ({"result": "not_hired", "conditions_differ": "yes"}, "どのように違うか"),
        (
            {"result": "not_hired", "conditions_differ": "no", "not_hired_reason": "age"},
            "不採用の理由は一覧から選んでください",
        ),
    ],
)
def test_bad_input_in_the_form_is_named_and_changes_nothing(
    applicant_c, dave_client, data, message
):
    response = dave_client.post(detail_url(applicant_c, "mypage_result"), data)
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert not SelectionResult.objects.exists()


def test_fields_that_do_not_apply_are_dropped(applicant_c, dave_client):
    dave_client.post(
        detail_url(applicant_c, "mypage_result"),
        {
            "result": "not_hired",
            "start_date": "2026-07-01",  # left over from choosing 採用 first
            "not_hired_reason": "no_show",
            "conditions_differ": "no",
            "conditions_difference": "left over",
        },
    )
    result = SelectionResult.objects.get()
    assert (result.start_date, result.not_hired_reason, result.conditions_difference) == (
        None,
        "no_show",
        "",
    )


def test_a_correction_through_the_form_keeps_the_history(applicant_c, dave_client):
    url = detail_url(applicant_c, "mypage_result")
    dave_client.post(url, {"result": "not_hired", "conditions_differ": "no"})
    form = dave_client.get(url).text
    assert "現在の記録は「不採用」" in form
    assert 'value="not_hired" required checked' in form or 'value="not_hired"' in form
    same = dave_client.post(url, {"result": "not_hired", "conditions_differ": "no"})
    assert "記録済みの内容と同じです" in same.text
    dave_client.post(
        url,
        {
            "result": "hired",
            "start_date": applicant_c.referral_date.isoformat(),
            "conditions_differ": "no",
        },
    )
    assert SelectionResult.objects.count() == 2
    detail = dave_client.get(detail_url(applicant_c)).text
    assert "現在の結果" in detail and "訂正前" in detail


# -- misdelivery report -----------------------------------------------------------------


def test_reporting_an_unexpected_applicant(applicant_c, dave_client, koriyama):
    url = detail_url(applicant_c, "mypage_misdelivery")
    assert "心当たりがないことを報告する" in dave_client.get(url).text
    response = dave_client.post(url, {"note": "面接の予定がありません"}, follow=True)
    assert response.redirect_chain == [(detail_url(applicant_c), 302)]
    assert "ハローワークに報告しました" in response.text
    # Hidden at once (rule 11): the applicant's page says why, with nothing of the applicant
    # and nothing to print or record; every other URL of the applicant is gone.
    assert "ハローワークの確認が終わるまで表示していません" in response.text
    assert applicant_c.seeker_name not in response.text
    assert "紹介状を表示・印刷" not in response.text and "選考結果を記録" not in response.text
    alert = Alert.objects.get(kind="misdelivery_report")
    assert alert.office == koriyama and alert.severity == "critical"
    for name in ("mypage_misdelivery", "mypage_letter", "mypage_result"):
        assert dave_client.get(detail_url(applicant_c, name)).status_code == 404
    home = dave_client.get("/mypage/").text
    assert applicant_c.seeker_name not in home[home.index("<main") :]
    assert "ハローワークの確認が終わるまで表示していません" in home


def test_an_overlong_note_is_refused(applicant_c, dave_client):
    response = dave_client.post(
        detail_url(applicant_c, "mypage_misdelivery"), {"note": "あ" * 2001}
    )
    assert response.status_code == 200
    assert not MisdeliveryReport.objects.exists() and not Alert.objects.exists()


# -- code check -------------------------------------------------------------------------


def test_an_own_code_leads_to_the_applicant(applicant_c, dave_client):
    code = applicant_c.referral_code.replace("-", "").lower()
    response = dave_client.post("/mypage/code-check/", {"code": code}, follow=True)
    assert response.redirect_chain == [(detail_url(applicant_c), 302)]
    assert "貴事業所に紹介された応募者のもの" in response.text
    assert applicant_c.seeker_name in response.text


def code_field_value(response):
    match = re.search(r'<input[^>]*name="code"[^>]*>', response.text)
    assert match, "no code field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_another_code_gets_the_neutral_answer(applicant_c, erin, seeker_a, establishment_c):
    client = client_for(erin.user)
    response = client.post("/mypage/code-check/", {"code": applicant_c.referral_code}, follow=True)
    assert response.redirect_chain == [("/mypage/code-check/", 302)]
    assert services.code_not_registered_message() in response.text
    for name in [seeker_a.name, seeker_a.kana, establishment_c.name]:
        assert name not in response.text
    assert Alert.objects.filter(kind="code_mismatch").count() == 1
    assert code_field_value(response) == applicant_c.referral_code  # stays for correcting
    assert "あなたはあと9回、事業所全体ではあと9回" in response.text


def test_a_mistyped_code_says_so_keeps_the_value_and_raises_nothing(applicant_c, dave_client):
    typed = applicant_c.referral_code[:-1] + (
        "0" if applicant_c.referral_code[-1] != "0" else "1"
    )  # a wrong check symbol
    response = dave_client.post("/mypage/code-check/", {"code": typed}, follow=True)
    assert response.redirect_chain == [("/mypage/code-check/", 302)]
    assert services.employer.code_mistyped_message() in response.text
    assert services.code_not_registered_message() not in response.text
    assert code_field_value(response) == typed
    assert "あなたはあと10回、事業所全体ではあと10回" in response.text
    assert not Alert.objects.exists() and not CodeCheck.objects.exists()
    assert AuditEvent.objects.filter(action="code_check.mistyped").count() == 1
    # The value waits for one page only: a fresh visit starts empty.
    assert code_field_value(dave_client.get("/mypage/code-check/")) == ""


@pytest.mark.parametrize(
    "typed",
    [
        "' OR 1=1 --",
        '"><script>alert(1)</script>',
        "{{ request }}",
        "%00%27",
        "../../../../etc/passwd",
        "７Ｋ３Ｍ－９Ｑ２Ｘ－ＨＴ４",
        "\u202eABC",
        "x" * 64,
    ],
)
def test_hostile_codes_are_answered_without_error_or_alert(dave_client, typed):
    response = dave_client.post("/mypage/code-check/", {"code": typed}, follow=True)
    assert response.status_code == 200
    assert services.employer.code_mistyped_message() in response.text
    assert "<script>alert(1)" not in response.text  # escaped in the field
    assert not Alert.objects.exists() and not CodeCheck.objects.exists()


@pytest.mark.parametrize("typed", ["x" * 65, "7K3M\x00-9Q2X-HT4"])
def test_too_long_or_null_input_is_a_form_error_and_checks_nothing(dave_client, typed):
    response = dave_client.post("/mypage/code-check/", {"code": typed})
    assert response.status_code == 200
    assert not CodeCheck.objects.exists() and not Alert.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="code_check.").exists()


def test_an_empty_code_is_a_form_error_and_checks_nothing(dave_client):
    response = dave_client.post("/mypage/code-check/", {"code": "  "})
    assert response.status_code == 200
    assert "紹介コードを入力してください" in response.text
    assert not CodeCheck.objects.exists() and not Alert.objects.exists()


def test_the_page_says_how_many_failed_checks_are_left(applicant_c, dave, dave_client, settings):
    settings.CODE_CHECK_LIMIT_PER_MEMBER = 5
    colleague = factories.EmployerMemberFactory(establishment=dave.establishment)
    assert "あなたはあと5回、事業所全体ではあと10回できます（この60分間）" in (
        dave_client.get("/mypage/code-check/").text
    )
    services.code_check(member=colleague, code=codes.generate())
    dave_client.post("/mypage/code-check/", {"code": applicant_c.referral_code})  # own: free
    response = dave_client.get("/mypage/code-check/")
    assert "あなたはあと5回、事業所全体ではあと9回" in response.text


def test_own_codes_are_never_limited_on_the_page(applicant_c, dave_client, settings):
    settings.CODE_CHECK_LIMIT_PER_MEMBER = 1
    dave_client.post("/mypage/code-check/", {"code": codes.generate()})
    for _ in range(3):
        response = dave_client.post(
            "/mypage/code-check/", {"code": applicant_c.referral_code}, follow=True
        )
        assert response.redirect_chain == [(detail_url(applicant_c), 302)]


def test_the_rate_limit_message(applicant_c, dave_client, settings):
    settings.CODE_CHECK_LIMIT_PER_MEMBER = 1
    dave_client.post("/mypage/code-check/", {"code": codes.generate()})
    typed = codes.generate()
    response = dave_client.post("/mypage/code-check/", {"code": typed}, follow=True)
    assert "1人あたり1回" in response.text
    assert "あなたはあと0回" in response.text
    assert code_field_value(response) == typed
    assert applicant_c.seeker_name not in response.text
    assert CodeCheck.objects.count() == Alert.objects.count() == 1


# -- members ----------------------------------------------------------------------------


def test_the_primary_member_adds_a_colleague_who_sets_a_password(dave_client, client):
    response = dave_client.post(
        "/mypage/members/", {"name": "田中 京子", "email": "kyoko@asahi.example.jp"}, follow=True
    )
    assert '<span lang="ja">田中 京子</span>さんを招待しました' in response.text
    assert "招待中（パスワード未設定）" in response.text
    assert mail.outbox == []
    registry_services.outbox_send()  # the worker
    (message,) = mail.outbox
    link = re.search(r"http://127\.0\.0\.1:8000(/mypage/password/set/\S+/)", message.body)[1]

    landing = client.get(link)
    assert landing.status_code == 302  # the token moves into the session, out of the URL
    assert "set-password" in landing.url
    form = client.get(landing.url)
    assert "新しいパスワード" in form.text
    weak = client.post(landing.url, {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 200 and 'aria-invalid="true"' in weak.text
    done = client.post(
        landing.url,
        {"new_password1": "a long new password 1", "new_password2": "a long new password 1"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/mypage/login/"
    assert "パスワードを設定しました" in done.text
    assert client.get(link).status_code == 200  # used: the link no longer works
    assert "このリンクは使えません" in client.get(link).text
    login = client.post(
        "/mypage/login/",
        {"username": "kyoko@asahi.example.jp", "password": "a long new password 1"},
    )
    assert (
        login.status_code == 302 and login.url == "/mypage/login/verify/"
    )  # then the e-mailed code


def test_a_staff_account_cannot_use_a_set_password_link(client, alice):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    url = reverse(
        "mypage_password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(alice.user.pk)),
            "token": default_token_generator.make_token(alice.user),
        },
    )
    assert "このリンクは使えません" in client.get(url).text


def test_bad_member_input_is_named(dave_client):
    response = dave_client.post("/mypage/members/", {"name": "", "email": "nobody"})
    assert "氏名を入力してください" in response.text
    response = dave_client.post("/mypage/members/", {"name": "田中", "email": "nobody"})
    assert "name@example.jp" in response.text
    assert EmployerMember.objects.count() == 1


def test_a_member_who_is_not_primary_sees_the_list_but_cannot_change_it(dave, establishment_c):
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    client = client_for(colleague.user)
    page = client.get("/mypage/members/")
    assert dave.user.name in page.text
    assert "利用者を追加" not in page.text
    assert (
        client.post("/mypage/members/", {"name": "x", "email": "x@example.jp"}).status_code == 403
    )
    url = reverse("mypage_member_remove", kwargs={"pk": dave.pk})
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_removing_a_colleague(dave_client, establishment_c, dave):
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    url = reverse("mypage_member_remove", kwargs={"pk": colleague.pk})
    assert colleague.user.name in dave_client.get(url).text
    response = dave_client.post(url, follow=True)
    assert "さんを削除しました" in response.text
    colleague.user.refresh_from_db()
    assert not colleague.user.is_active
    assert dave_client.get(url).status_code == 404  # gone from the list
    self_url = reverse("mypage_member_remove", kwargs={"pk": dave.pk})
    response = dave_client.post(self_url, follow=True)
    assert "管理者ご自身は削除できません" in response.text


def test_a_removed_member_cannot_log_in(dave_client, establishment_c, client):
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    dave_client.post(reverse("mypage_member_remove", kwargs={"pk": colleague.pk}))
    response = client.post(
        "/mypage/login/", {"username": colleague.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "IDまたはパスワードが違います" in response.text


def test_cancelling_an_invitation(dave_client, dave, erin, establishment_c):
    dave_client.post("/mypage/members/", {"name": "田中 京子", "email": "kyoko@asahi.example.jp"})
    dave_client.post("/mypage/members/", {"name": "佐藤 一郎", "email": erin.user.email})
    page = dave_client.get("/mypage/members/")
    assert page.text.count("招待中（パスワード未設定）") == 2
    urls = re.findall(r'href="(/mypage/members/invitations/\d+/cancel/)"', page.text)
    assert len(urls) == 2
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    assert client_for(colleague.user).post(urls[0]).status_code == 403  # only the primary
    assert '<span lang="ja">田中 京子</span>さん' in dave_client.get(urls[0]).text
    for url in urls:
        response = dave_client.post(url, follow=True)
        assert "招待を取り消しました" in response.text
    assert "招待中（" not in dave_client.get("/mypage/members/").text
    assert dave_client.get(urls[0]).status_code == 404
    erin.user.refresh_from_db()
    assert erin.user.is_active  # an invitation never touches a login it did not make
