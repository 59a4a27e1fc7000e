"""The applicant list as CSV (issue 20): only the establishment's visible applicants, no
formula survives, both encodings decode to what the list shows, every export traced with
its row count, a foreign row stops the file, and the cost does not grow with the rows."""

import csv
import io
import logging

import pytest
from django.urls import reverse

from hellowork import services as registry_services
from hellowork.models import AuditEvent, StaffRole
from referrals import selectors, services
from referrals.exports import REPLACEMENT
from referrals.models import Disclosure
from tests import factories
from tests.conftest import client_for
from tests.employer_portal.helpers import applicants
from tests.referrals.helpers import issue_in_person, retract

EXPORT = "/mypage/applicants.csv"


def rows_of(response, encoding="utf-8-sig"):
    """The CSV's rows, decoded as the file says it is encoded (BOM checked for UTF-8)."""
    content = response.content
    if encoding == "utf-8-sig":
        assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode(encoding), newline="")))


def named(koriyama, name, kana="テスト タロウ"):
    return factories.JobSeekerFactory(office=koriyama, name=name, kana=kana)


def test_the_export_holds_what_the_list_shows(applicant_c, dave, dave_client):
    services.selection_result_record(
        disclosure=applicant_c,
        member=dave,
        result="hired",
        start_date=applicant_c.referral_date,
        conditions_differ=False,
    )
    response = dave_client.post(EXPORT, {"encoding": "utf-8-sig"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="applicants-0704-100001-3-')
    assert disposition.endswith('-utf8.csv"')
    assert disposition.isascii() and applicant_c.seeker_name not in disposition
    header, *rows = rows_of(response)
    assert header == [
        "紹介日",
        "氏名",
        "フリガナ",
        "年齢（紹介日時点）",
        "求人番号",
        "職種",
        "紹介コード",
        "選考結果",
    ]
    assert rows == [
        [
            applicant_c.referral_date.isoformat(),
            applicant_c.seeker_name,
            applicant_c.seeker_kana,
            str(applicant_c.seeker_age),
            applicant_c.posting_number,
            applicant_c.posting_title,
            applicant_c.referral_code,
            "採用",
        ]
    ]
    assert response.content.endswith(b"\r\n")


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://x.example/?leak","x")',
        '＝HYPERLINK("x")',
        "+1+cmd|' /C calc'!A0",
        "＋1",
        "-2+3",
        "－2",
        "@SUM(A1)",
        "＠SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "　=1+1",  # an ideographic space first
    ],
)
def test_a_name_that_is_a_formula_comes_out_as_text(
    no_hold, alice, posting_c, koriyama, dave_client, name
):
    issue_in_person(named(koriyama, name), alice, posting_c)
    for encoding in ["utf-8-sig", "cp932"]:
        response = dave_client.post(EXPORT, {"encoding": encoding})
        (_header, row) = rows_of(response, encoding)
        assert row[1] == "'" + name  # a single quote first: a spreadsheet shows it as text


def test_the_header_and_other_cells_are_neutralised_too(
    no_hold, alice, koriyama, establishment_c, dave_client
):
    posting = factories.JobPostingFactory(establishment=establishment_c, title="=1+1 作業")
    issue_in_person(named(koriyama, "普通 太郎"), alice, posting)
    (_header, row) = rows_of(dave_client.post(EXPORT, {"encoding": "utf-8-sig"}))
    assert row[5] == "'=1+1 作業"
    assert row[1] == "普通 太郎"  # nothing added where nothing starts a formula


def test_cp932_bytes_decode_to_the_list_and_replace_what_cp932_has_not(
    no_hold, alice, koriyama, establishment_c, dave_client
):
    posting = factories.JobPostingFactory(establishment=establishment_c, title="9時〜17時 −休憩")
    issue_in_person(named(koriyama, "𠮷田 髙﨑"), alice, posting)
    response = dave_client.post(EXPORT, {"encoding": "cp932"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=Windows-31J"
    assert response["Content-Disposition"].endswith('-sjis.csv"')
    assert not response.content.startswith(b"\xef\xbb\xbf")
    assert "紹介日".encode("cp932") in response.content  # really CP932 bytes
    (header, row) = rows_of(response, "cp932")
    assert header[1] == "氏名"
    # 𠮷 is outside CP932: 〓; 髙 and 﨑 (IBM extensions) stay as they are.
    assert row[1] == f"{REPLACEMENT}田 髙﨑"
    # WAVE DASH and MINUS SIGN are written as their CP932 twins, not as 〓.
    assert row[5] == "9時～17時 －休憩"
    event = AuditEvent.objects.get(action="disclosure.exported")
    assert event.detail["replaced_cells"] == 1
    assert event.detail["encoding"] == "cp932"
    # UTF-8 keeps every character as written.
    (_header, row) = rows_of(dave_client.post(EXPORT, {"encoding": "utf-8-sig"}))
    assert row[1] == "𠮷田 髙﨑"
    assert row[5] == "9時〜17時 −休憩"


def test_only_the_visible_applicants_of_the_establishment(
    settings, no_hold, alice, bob, koriyama, posting_c, posting_d, dave, dave_client, erin
):
    shown = issue_in_person(named(koriyama, "見える 人"), alice, posting_c).disclosure
    reported = issue_in_person(named(koriyama, "申告 済"), alice, posting_c).disclosure
    services.misdelivery_report(disclosure=reported, member=dave, note="")
    retracted = issue_in_person(named(koriyama, "撤回 済"), alice, posting_c)
    retract(retracted, requester=alice, supervisor=bob)
    protected_seeker = named(koriyama, "保護 対象")
    issue_in_person(protected_seeker, alice, posting_c)
    registry_services.seeker_protection_set(
        seeker=protected_seeker,
        supervisor=bob,
        reason="支援措置",
        establishments=[posting_c.establishment],
    )
    of_d = issue_in_person(named(koriyama, "他社 応募"), alice, posting_d).disclosure
    settings.DISCLOSURE_HOLD_MINUTES = 10
    issue_in_person(named(koriyama, "保留 中"), alice, posting_c)

    (_header, *rows) = rows_of(dave_client.post(EXPORT, {"encoding": "utf-8-sig"}))
    assert [row[1] for row in rows] == ["見える 人"]
    assert [row[6] for row in rows] == [shown.referral_code]
    # The other establishment's member gets only their own, from the same URL.
    (_header, *rows) = rows_of(client_for(erin.user).post(EXPORT, {"encoding": "utf-8-sig"}))
    assert [row[6] for row in rows] == [of_d.referral_code]


def test_the_export_follows_the_list_s_filters(
    no_hold, alice, koriyama, establishment_c, posting_c, dave, dave_client
):
    other = factories.JobPostingFactory(establishment=establishment_c, title="事務")
    first = issue_in_person(named(koriyama, "一 人目"), alice, posting_c).disclosure
    issue_in_person(named(koriyama, "二 人目"), alice, other)
    services.selection_result_record(
        disclosure=first, member=dave, result="not_hired", conditions_differ=False
    )
    data = {"encoding": "utf-8-sig", "posting": posting_c.number, "status": "not_hired"}
    (_header, *rows) = rows_of(dave_client.post(EXPORT, data))
    assert [(row[1], row[7]) for row in rows] == [("一 人目", "不採用")]
    response = dave_client.post(EXPORT, {"encoding": "cp932", "status": "none"})
    (_header, *rows) = rows_of(response, "cp932")
    assert [(row[1], row[7]) for row in rows] == [("二 人目", "未記録")]


def test_the_export_is_traced_with_its_row_count_and_ids(
    no_hold, alice, posting_c, dave, dave_client
):
    rows = applicants(3, staff=alice, posting=posting_c)
    response = dave_client.post(EXPORT, {"encoding": "utf-8-sig"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="disclosure.exported")
    assert event.actor == dave.user
    assert event.target_type == "hellowork.establishment"
    assert event.target_id == str(dave.establishment_id)
    assert event.detail["rows"] == 3
    assert sorted(event.detail["disclosure_ids"]) == sorted(row.pk for row in rows)
    for row in rows:  # ids only, never the data
        assert row.seeker_name not in str(event.detail)
        assert row.referral_code not in str(event.detail)


def test_an_empty_export_is_a_header_and_still_traced(establishment_c, dave, dave_client):
    (header, *rows) = rows_of(dave_client.post(EXPORT, {"encoding": "utf-8-sig"}))
    assert header[1] == "氏名" and rows == []
    assert AuditEvent.objects.get(action="disclosure.exported").detail["rows"] == 0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"encoding": "utf-16"},
        {"encoding": "utf-8-sig", "status": "maybe"},
        {"encoding": "utf-8-sig", "posting": "07040-99999999"},
    ],
)
def test_a_bad_choice_is_refused_with_a_message_and_nothing_traced(applicant_c, dave_client, data):
    response = dave_client.post(EXPORT, data, follow=True)
    assert response.redirect_chain == [(reverse("mypage_home"), 302)]
    assert "CSVを作成できませんでした。" in response.text
    assert not AuditEvent.objects.filter(action="disclosure.exported").exists()


def test_a_get_is_not_an_export(applicant_c, dave_client):
    assert dave_client.get(EXPORT, {"encoding": "utf-8-sig"}).status_code == 405
    assert not AuditEvent.objects.filter(action="disclosure.exported").exists()


def test_staff_and_anonymous_get_no_file(applicant_c, alice):
    response = client_for(alice.user).post(EXPORT, {"encoding": "utf-8-sig"})
    assert response.status_code == 403
    from django.test import Client

    anonymous = Client().post(EXPORT, {"encoding": "utf-8-sig"})
    assert anonymous.status_code == 302 and "/mypage/login/" in anonymous["Location"]
    assert not AuditEvent.objects.filter(action="disclosure.exported").exists()


def test_a_row_of_another_establishment_stops_the_export(
    no_hold, alice, koriyama, posting_c, posting_d, dave, dave_client, monkeypatch, caplog
):
    """Defence in depth: were the selector ever to hand over another establishment's row,
    the check right before writing stops the whole file, logs and traces it."""
    own = issue_in_person(named(koriyama, "自社 応募"), alice, posting_c).disclosure
    foreign = issue_in_person(named(koriyama, "他社 応募"), alice, posting_d).disclosure
    real = selectors.applicants_for_member

    def leaky(**kwargs):
        mine = real(**kwargs)
        return (
            Disclosure.objects.filter(pk__in=[own.pk, foreign.pk])
            .annotate(current_result=mine.query.annotations["current_result"])
            .order_by("pk")
        )

    monkeypatch.setattr(selectors, "applicants_for_member", leaky)
    with caplog.at_level(logging.CRITICAL, logger="referrals.services.exports"):
        response = dave_client.post(EXPORT, {"encoding": "utf-8-sig"})
    assert response.status_code == 302
    assert "Content-Disposition" not in response
    assert foreign.seeker_name.encode() not in response.content
    page = dave_client.get(response["Location"]).text
    assert "書き出しを中止しました" in page
    assert not AuditEvent.objects.filter(action="disclosure.exported").exists()
    refused = AuditEvent.objects.get(action="disclosure.export_refused")
    assert refused.detail == {
        "disclosure_id": foreign.pk,
        "row_establishment_id": foreign.establishment_id,
        "establishment_id": dave.establishment_id,
        "rows_before": 1,
    }
    (record,) = [r for r in caplog.records if r.name == "referrals.services.exports"]
    assert record.levelno == logging.CRITICAL
    assert foreign.seeker_name not in record.getMessage()


def test_the_service_refuses_a_foreign_row_too(
    no_hold, alice, koriyama, posting_d, dave, monkeypatch
):
    foreign = issue_in_person(named(koriyama, "他社 応募"), alice, posting_d).disclosure
    monkeypatch.setattr(
        selectors,
        "applicants_for_member",
        lambda **kwargs: Disclosure.objects.filter(pk=foreign.pk),
    )
    with pytest.raises(services.ExportRefused):
        services.applicants_export(member=dave, encoding="cp932")


def export_queries() -> int:
    # session, user, the second factor's device, member, the postings of the form's choice;
    # savepoint, the rows, then the trace: insert, release (issue 18: an audit event is one
    # insert, with no lock nor read of the last hash, on either database).
    return 9


def test_the_export_takes_as_many_queries_for_1_row_as_for_50(
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
    with django_assert_num_queries(export_queries()):
        response = dave_client.post(EXPORT, {"encoding": "utf-8-sig"})
    assert len(rows_of(response)) == 2
    other_posting = factories.JobPostingFactory(establishment=establishment_c)
    applicants(24, staff=alice, posting=posting_c)
    applicants(25, staff=alice, posting=other_posting)
    with django_assert_num_queries(export_queries()):
        response = dave_client.post(EXPORT, {"encoding": "cp932"})
    assert len(rows_of(response, "cp932")) == 51


def test_the_list_offers_the_export_with_its_filters(
    no_hold, alice, posting_c, dave_client, koriyama
):
    issue_in_person(named(koriyama, "一 人目"), alice, posting_c)
    page = dave_client.get("/mypage/", {"posting": posting_c.number, "status": "none"}).text
    assert f'action="{EXPORT}"' in page
    assert 'method="post"' in page
    assert f'name="posting" value="{posting_c.number}"' in page
    assert 'name="status" value="none"' in page
    assert "〓" in page  # the page says what CP932 does with 𠮷


def test_a_supervisor_of_the_office_is_not_an_employer(applicant_c, koriyama):
    boss = factories.StaffMemberFactory(office=koriyama, role=StaffRole.MANAGER)
    assert client_for(boss.user).post(EXPORT, {"encoding": "cp932"}).status_code == 403


def test_an_exported_applicant_counts_as_seen_when_retracted(
    no_hold, alice, bob, koriyama, posting_c, dave_client
):
    """A file is a copy: the retraction's incident says the employer saw the applicant,
    and the letter's history shows the export."""
    from referrals.timeline import referral_timeline

    referral = issue_in_person(named(koriyama, "書出 済"), alice, posting_c)
    assert selectors.employer_views_of(disclosure=referral.disclosure) == []
    dave_client.post(EXPORT, {"encoding": "utf-8-sig"})
    (event,) = selectors.employer_views_of(disclosure=referral.disclosure)
    assert event.action == "disclosure.exported"
    incident = retract(referral, requester=alice, supervisor=bob)
    assert incident.employer_viewed
    text = str(referral_timeline(referral=referral, incident=incident))
    assert "CSV" in text


@pytest.mark.parametrize(
    "value",
    [
        "\u00a0=HYPERLINK(1)",  # a no-break space first
        "\u2003=1+1",  # an em space
        "\u200b=1+1",  # a zero-width space
        "\ufeff=1+1",  # a byte-order mark inside the cell
        "\x0b=1+1",  # a vertical tab
        "\ufe66HYPERLINK(1)",  # the small equals sign (NFKC: =)
        "\ufe62cmd",  # small plus
        "\ufe63cmd",  # small hyphen-minus
        "\ufe6bSUM(1)",  # small commercial at
        "\u22121+2",  # the minus sign
    ],
)
def test_every_form_of_a_formula_start_is_neutralised(value):
    from referrals.exports import neutralise

    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["普通 太郎", "\u00a0普通", "9時〜17時", "", "\u200b"])
def test_a_cell_that_starts_no_formula_is_left_as_it_is(value):
    from referrals.exports import neutralise

    assert neutralise(value) == value


def test_a_posting_title_behind_a_no_break_space_reaches_the_export_inert(
    no_hold, alice, koriyama, establishment_c, dave_client
):
    title = '\u00a0=HYPERLINK("http://x","求人票")'
    posting = factories.JobPostingFactory(establishment=establishment_c, title=title)
    issue_in_person(named(koriyama, "普通 太郎"), alice, posting)
    (_header, row) = rows_of(dave_client.post(EXPORT, {"encoding": "utf-8-sig"}))
    assert row[5] == "'" + title
