"""Issue 15: the counter finds a seeker and a posting however they are named, fast, and
keeps what was typed out of URLs and the audit trail."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hellowork.models import AuditEvent, JobPosting
from referrals import selectors, services
from referrals.models import PostingInterest, ReferralLetter
from tests import factories
from tests.referrals.helpers import consult


@pytest.fixture
def takahashi(koriyama):
    return factories.JobSeekerFactory(
        number="07040-00005678",
        name="髙橋 﨑子",
        kana="タカハシ サキコ",
        birth_date=datetime.date(1985, 3, 2),
        office=koriyama,
    )


@pytest.fixture
def ohno(koriyama):
    return factories.JobSeekerFactory(
        number="07040-00009012",
        name="大野 洋子",
        kana="オオノ ヨウコ",
        birth_date=datetime.date(1990, 5, 17),
        office=koriyama,
    )


def found(counter, query):
    response = counter.post(reverse("seeker_search"), {"q": query})
    assert response.status_code == 200, response.text
    return response.context["search"]


@pytest.mark.parametrize(
    "query",
    [
        "高橋",  # the registry writes 髙
        "高橋 崎子",  # 﨑 too
        "髙橋",
        "たかはし",
        "ﾀｶﾊｼ ｻｷｺ",
        "タカハシ",
        "07040-00005678",
        "0704000005678",  # no hyphen
        "０７０４０－００００５６７８",  # full width
        "5678",  # the last digits
        "00005678",
        "1985-03-02",
        "昭和60年3月2日",
        "S60.3.2",
        "19850302",
        "たかはし 1985/3/2",  # two terms: both must match
    ],
)
def test_a_seeker_is_found_by_any_way_a_clerk_types_them(counter, takahashi, ohno, query):
    assert found(counter, query).seekers == [takahashi]


def test_long_vowels_and_the_birth_date_tell_namesakes_apart(counter, ohno, koriyama):
    other = factories.JobSeekerFactory(
        name="大野 陽子",
        kana="オーノ ヨーコ",
        birth_date=datetime.date(1972, 1, 9),
        office=koriyama,
    )
    assert set(found(counter, "おおの ようこ").seekers) == {ohno, other}
    assert found(counter, "おーの 1990-05-17").seekers == [ohno]
    assert found(counter, "オオノ H2.5.17").seekers == [ohno]


def test_results_show_birth_date_age_number_and_office(counter, takahashi):
    page = counter.post(reverse("seeker_search"), {"q": "たかはし"}).text
    for shown in [
        "髙橋 﨑子",
        "タカハシ サキコ",
        "昭和60年3月2日",
        "07040-00005678",
        "ハローワーク郡山",
    ]:
        assert shown in page
    assert f"{takahashi.age}歳" in page


def test_more_than_the_shown_rows_says_so(counter, koriyama):
    factories.JobSeekerFactory.create_batch(32, kana="サトウ タロウ", office=koriyama)
    search = found(counter, "さとう")
    assert len(search.seekers) == 30 and search.more
    page = counter.post(reverse("seeker_search"), {"q": "さとう"}).text
    assert "最初の30人だけを表示しています" in page
    assert not found(counter, "サトウ 07010").more or True  # narrowing is possible


def test_a_number_too_short_is_refused_plainly_and_records_nothing(counter, takahashi):
    response = counter.post(reverse("seeker_search"), {"q": "12"})
    assert response.status_code == 400
    assert "4桁以上" in response.text
    assert response.context["search"] is None
    assert not AuditEvent.objects.filter(action="seeker.searched").exists()


def test_the_trail_records_who_was_shown_and_how_never_what_was_typed(counter, takahashi):
    found(counter, "たかはし 1985-03-02")
    event = AuditEvent.objects.get(action="seeker.searched")
    assert event.detail == {"by": "birth_date+name", "seeker_ids": [takahashi.pk]}
    assert "タカハシ" not in str(event.detail) and "1985" not in str(event.detail)


def test_the_search_box_has_the_focus_and_posts(counter):
    page = counter.get(reverse("counter_home")).text
    assert 'name="q"' in page and "autofocus" in page.split('name="q"')[1].split(">")[0]


def test_the_search_takes_the_same_queries_for_one_result_or_thirty(counter, koriyama):
    factories.JobSeekerFactory(kana="イトウ イチロウ", office=koriyama)
    found(counter, "いとう")  # the session's first request
    with CaptureQueriesContext(connection) as one:
        found(counter, "いとう")
    factories.JobSeekerFactory.create_batch(29, kana="イトウ ジロウ", office=koriyama)
    with CaptureQueriesContext(connection) as thirty:
        assert len(found(counter, "いとう").seekers) == 30
    assert len(thirty) == len(one)


# -- postings ---------------------------------------------------------------------------


@pytest.fixture
def takashimaya(koriyama):
    establishment = factories.EstablishmentFactory(
        number="0704-654321-1",
        name="株式会社髙島屋物流",
        kana="タカシマヤブツリュウ",
        office=koriyama,
    )
    return factories.JobPostingFactory(
        number="07040-55556666", establishment=establishment, title="フォークリフト運転手"
    )


@pytest.fixture
def closed_posting(takashimaya):
    return factories.JobPostingFactory(
        number="07040-55557777",
        establishment=takashimaya.establishment,
        title="事務員",
        status=JobPosting.Status.CLOSED,
    )


@pytest.mark.parametrize(
    "query",
    [
        "07040-55556666",
        "55556666",
        "５５５６",  # part, full width
        "高島屋",  # the registry writes 髙
        "たかしまや",
        "ﾀｶｼﾏﾔ",
        "フォークリフト",
        "0704-654321",  # 事業所番号
        "高島屋 フォーク",
    ],
)
def test_a_clerk_finds_a_posting_by_number_employer_kana_job_or_establishment_number(
    takashimaya, query
):
    postings, more = selectors.posting_search(query=query, include_closed=True)
    assert postings == [takashimaya] and not more


def test_closed_postings_come_after_open_ones_and_only_for_the_clerk(takashimaya, closed_posting):
    assert selectors.posting_search(query="たかしまや", include_closed=True)[0] == [
        takashimaya,
        closed_posting,
    ]
    assert selectors.posting_search(query="たかしまや")[0] == [takashimaya]  # rule 4's statement


def test_the_clerk_searches_then_records_the_decision_on_a_result(
    counter, alice, seeker_a, takashimaya, closed_posting
):
    consultation = consult(seeker_a, alice)
    url = reverse("posting_search", args=[consultation.pk])
    response = counter.post(url, {"seeker": seeker_a.pk, "posting_query": "たかしまや"})
    assert response.status_code == 200
    assert response.context["found"] == ([takashimaya, closed_posting], False)
    page = response.text
    assert page.count('name="decision" value="apply"') == 1  # the closed one has none
    assert "前回の意向" not in page  # a column of earlier consultations' lists only
    assert "募集終了" in page
    first_apply = page.split('value="apply"')[1].split(">")[0]
    assert "autofocus" in first_apply  # Enter applies to the first result
    response = counter.post(
        reverse("interest_record", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": takashimaya.pk, "decision": "apply"},
    )
    assert response.status_code == 302
    assert PostingInterest.objects.get(consultation=consultation).posting == takashimaya
    page = counter.get(reverse("consultation_detail", args=[consultation.pk])).text
    assert "autofocus" in page.split("紹介状を作成")[0].rsplit("<button", 1)[1]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"posting": 2**63, "decision": "apply"}, 400),
        ({"posting": -1, "decision": "apply"}, 400),
        ({"posting": 999999, "decision": "apply"}, 400),
        ({"posting": "x", "decision": "apply"}, 400),
        ({"decision": "maybe"}, 400),
    ],
)
def test_a_forged_or_missing_posting_is_a_clear_error_and_changes_nothing(
    counter, alice, seeker_a, takashimaya, data, status
):
    consultation = consult(seeker_a, alice)
    if "posting" not in data:
        data = {**data, "posting": takashimaya.pk}
    response = counter.post(
        reverse("interest_record", args=[consultation.pk]), {"seeker": seeker_a.pk, **data}
    )
    assert response.status_code == status
    assert not PostingInterest.objects.filter(consultation=consultation).exists()


def test_a_closed_posting_picked_from_a_list_is_refused(counter, alice, seeker_a, closed_posting):
    consultation = consult(seeker_a, alice)
    response = counter.post(
        reverse("interest_record", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": closed_posting.pk, "decision": "apply"},
    )
    assert response.status_code == 400
    assert "募集を終了しています" in response.text
    assert not PostingInterest.objects.exists()


def test_the_posting_search_stays_out_of_the_url(counter, alice, seeker_a):
    consultation = consult(seeker_a, alice)
    page = counter.get(reverse("consultation_detail", args=[consultation.pk])).text
    assert f'method="post" action="{reverse("posting_search", args=[consultation.pk])}"' in page
    assert "autofocus" in page.split('name="posting_query"')[1].split(">")[0]
    assert counter.get(reverse("posting_search", args=[consultation.pk])).status_code == 405


def test_an_empty_posting_search_is_a_clear_error(counter, alice, seeker_a):
    consultation = consult(seeker_a, alice)
    response = counter.post(
        reverse("posting_search", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting_query": "  "},
    )
    assert response.status_code == 400 and "必須" in response.text


def test_the_consultation_lists_the_postings_discussed_before(
    counter, alice, seeker_a, posting_c, posting_d, takashimaya, koriyama
):
    earlier = consult(seeker_a, alice, apply=[posting_c], declined=[posting_d])
    services.consultation_close(consultation=earlier, staff=alice)
    other_seeker = factories.JobSeekerFactory(office=koriyama)
    consult(other_seeker, alice, apply=[takashimaya])  # someone else's
    today = consult(seeker_a, alice, display=factories.CounterDisplayFactory(office=koriyama))
    assert today.pk != earlier.pk
    listed = selectors.postings_discussed_before(consultation=today)
    assert [i.posting for i in listed] == [posting_d, posting_c]  # newest first
    page = counter.get(reverse("consultation_detail", args=[today.pk])).text
    assert "以前の相談で話した求人" in page and posting_c.number in page
    assert takashimaya.number not in page
    counter.post(
        reverse("interest_record", args=[today.pk]),
        {"seeker": seeker_a.pk, "posting": posting_c.pk, "decision": "apply"},
    )
    assert [i.posting for i in selectors.postings_discussed_before(consultation=today)] == [
        posting_d
    ]


def test_after_a_search_the_first_result_has_the_focus(counter, takahashi, ohno):
    page = counter.post(reverse("seeker_search"), {"q": "たかはし"}).text
    assert "autofocus" not in page.split('name="q"')[1].split(">")[0]
    assert page.count("autofocus") == 1
    assert "autofocus" in page.split(f'/counter/seekers/{takahashi.pk}/"')[1].split(">")[0]
    empty = counter.post(reverse("seeker_search"), {"q": "わたなべ"}).text
    assert "autofocus" in empty.split('name="q"')[1].split(">")[0]  # try again


@pytest.mark.parametrize("query", ["・", "・ ・", "、", "-"])
def test_a_term_of_dots_or_dashes_finds_nobody_rather_than_everyone(counter, takahashi, query):
    """A lone-person review found "・" listed the registry (its key is empty)."""
    response = counter.post(reverse("seeker_search"), {"q": query})
    assert response.status_code in (200, 400)
    search = response.context["search"]
    assert search is None or search.seekers == []
    assert selectors.posting_search(query=query, include_closed=True) == ([], False)


# -- a posting past its validity (求人の有効期限) takes no referral ------------------------


def test_a_posting_valid_until_today_is_offered_and_one_past_it_is_marked_expired(
    counter, alice, seeker_a, takashimaya, closed_posting
):
    today = timezone.localdate()
    JobPosting.objects.filter(pk=takashimaya.pk).update(valid_until=today)  # its last day
    expired = factories.JobPostingFactory(
        number="07040-55558888",
        establishment=takashimaya.establishment,
        title="倉庫作業員",
        valid_until=today - datetime.timedelta(days=1),
    )
    assert selectors.posting_search(query="たかしまや")[0] == [takashimaya]
    found = selectors.posting_search(query="たかしまや", include_closed=True)[0]
    assert found[0] == takashimaya and set(found[1:]) == {closed_posting, expired}
    consultation = consult(seeker_a, alice)
    page = counter.post(
        reverse("posting_search", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting_query": "たかしまや"},
    ).text
    assert page.count('name="decision" value="apply"') == 1
    assert "有効期限切れ" in page


def test_applying_to_or_drafting_for_a_posting_past_its_validity_is_refused(
    counter, alice, seeker_a, takashimaya
):
    consultation = consult(seeker_a, alice, apply=[takashimaya])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    JobPosting.objects.filter(pk=takashimaya.pk).update(valid_until=yesterday)
    response = counter.post(
        reverse("interest_record", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": takashimaya.pk, "decision": "apply"},
    )
    assert response.status_code == 400
    assert "有効期限" in response.text
    with pytest.raises(ValidationError, match="有効期限"):
        services.referral_draft(consultation=consultation, posting=takashimaya, staff=alice)
    assert not ReferralLetter.objects.exists()
