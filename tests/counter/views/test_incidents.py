"""The screens of issue 5 through the browser's eyes: access on every new URL, what each
page shows and refuses, and query counts that do not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hellowork.models import AuditEvent, StaffRole
from referrals import codes, services
from referrals.models import (
    Alert,
    Incident,
    IncidentTask,
    RetractionRequest,
    SelfInspection,
    SelfInspectionItem,
)
from referrals.services import incidents
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import issue_in_person, retract

GET, POST = "get", "post"


@pytest.fixture
def world(no_hold, alice, bob, erin, seeker_a, posting_c, posting_d, koriyama):
    """A retraction waiting (seeker_a at D), an incident (another seeker at D), an alert."""
    waiting = issue_in_person(seeker_a, alice, posting_d)
    other = issue_in_person(factories.JobSeekerFactory(office=koriyama), alice, posting_d)
    client_for(erin.user).get(reverse("mypage_home"))
    request = services.referral_retract(referral=waiting, staff=alice, reason="事業所の取り違え")
    incident = retract(other, requester=alice, supervisor=bob)
    services.code_check(member=erin, code=codes.generate())  # a well-formed unknown code: an alert
    return {
        "seeker": seeker_a,
        "waiting": waiting,
        "request": request,
        "incident": incident,
        "task": incident.tasks.first(),
        "alert": Alert.objects.get(kind="code_mismatch"),
    }


def urls(world):
    request, incident, alert = world["request"].pk, world["incident"].pk, world["alert"].pk
    return [
        (POST, reverse("referral_retract", args=[world["waiting"].pk]), "office"),
        (GET, reverse("retraction_detail", args=[request]), "supervisor"),
        (POST, reverse("retraction_approve", args=[request]), "supervisor"),
        (POST, reverse("retraction_reject", args=[request]), "supervisor"),
        (GET, reverse("alert_list"), "supervisor list"),
        (GET, reverse("alert_detail", args=[alert]), "supervisor"),
        (POST, reverse("alert_acknowledge", args=[alert]), "supervisor"),
        (POST, reverse("alert_resolve", args=[alert]), "supervisor"),
        (GET, reverse("incident_list"), "supervisor list"),
        (GET, reverse("incident_detail", args=[incident]), "supervisor"),
        (POST, reverse("incident_task_done", args=[incident, world["task"].pk]), "supervisor"),
        (GET, reverse("incident_report", args=[incident]), "supervisor"),
        (POST, reverse("incident_report", args=[incident]), "supervisor"),
        (GET, reverse("incident_report_print", args=[incident]), "supervisor"),
        (POST, reverse("incident_close", args=[incident]), "supervisor"),
        (GET, reverse("dashboard"), "supervisor list"),
        (GET, reverse("quarterly_report"), "supervisor list"),
        (GET, reverse("dashboard_bureau"), "manager"),
        (GET, reverse("self_inspection"), "staff"),
        (POST, reverse("self_inspection"), "staff"),
    ]


def test_anonymous_users_are_sent_to_the_staff_login(client, world):
    for method, url, _scope in urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("staff_login")), url


def test_employer_accounts_are_refused(world, dave):
    employer = client_for(dave.user)
    for method, url, _scope in urls(world):
        assert getattr(employer, method)(url).status_code == 403, url


def test_another_office_finds_nothing_of_this_one(world, carol):
    other = client_for(carol.user)
    for method, url, scope in urls(world):
        response = getattr(other, method)(url)
        if scope in ("office", "supervisor"):
            assert response.status_code == 404, url
        elif scope == "manager":
            assert response.status_code == 403, url  # carol is a supervisor
        else:
            assert response.status_code in (200, 400), url
        assert world["seeker"].name not in response.text
        assert world["waiting"].code not in response.text
    assert RetractionRequest.objects.get(pk=world["request"].pk).status == "pending"
    assert Alert.objects.get(kind="code_mismatch").acknowledged_at is None


def test_clerks_cannot_use_supervisor_screens(world, koriyama):
    clerk = client_for(factories.StaffMemberFactory(office=koriyama).user)
    for method, url, scope in urls(world):
        if scope.startswith("supervisor") or scope == "manager":
            assert getattr(clerk, method)(url).status_code == 403, url


def test_supervisors_are_not_managers(world, bob):
    assert client_for(bob.user).get(reverse("dashboard_bureau")).status_code == 403


def test_the_wrong_method_is_refused(world, alice, bob, manager):
    both = {reverse("incident_report", args=[world["incident"].pk]), reverse("self_inspection")}
    for method, url, scope in urls(world):
        if url in both:
            assert client_for(manager.user).delete(url).status_code == 405, url
            continue
        user = alice if scope in ("office", "staff") else manager
        other = POST if method == GET else GET
        assert getattr(client_for(user.user), other)(url).status_code == 405, url


def test_every_new_page_is_no_store(world, manager):
    client = client_for(manager.user)
    for method, url, _scope in urls(world):
        if method == GET:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "no-store" in response["Cache-Control"], url


# -- the retraction through the screens ----------------------------------------------------------


def test_a_clerk_asks_and_a_supervisor_approves_through_the_screens(
    no_hold, alice, bob, erin, seeker_a, posting_d
):
    referral = issue_in_person(seeker_a, alice, posting_d)
    counter = client_for(alice.user)
    page = counter.get(reverse("referral_detail", args=[referral.pk])).text
    assert "撤回を依頼する" in page
    empty = counter.post(
        reverse("referral_retract", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": ""}
    )
    assert empty.status_code == 400 and "必須" in empty.text
    assert not RetractionRequest.objects.exists()
    asked = counter.post(
        reverse("referral_retract", args=[referral.pk]),
        {"seeker": seeker_a.pk, "reason": "事業所の取り違え"},
    )
    assert asked.status_code == 302
    request = RetractionRequest.objects.get()
    assert "承認を待っています" in counter.get(asked.url).text

    supervisor = client_for(bob.user)
    queue = supervisor.get(reverse("approval_queue")).text
    assert "撤回の承認待ち" in queue and reverse("retraction_detail", args=[request.pk]) in queue
    detail = supervisor.get(reverse("retraction_detail", args=[request.pk])).text
    assert seeker_a.name in detail and "株式会社朝日物流" in detail and "事業所の取り違え" in detail
    approved = supervisor.post(
        reverse("retraction_approve", args=[request.pk]), {"seeker": seeker_a.pk}
    )
    incident = Incident.objects.get()
    assert approved.url == reverse("incident_detail", args=[incident.pk])
    page = supervisor.get(approved.url).text
    assert "求職者への説明と謝罪" in page and "なし（監査ログに閲覧の記録はありません）" in page


def test_the_requester_sees_no_approve_button_and_is_refused(world, alice, bob):
    request = world["request"]
    assert (
        "撤回を依頼する"
        not in client_for(alice.user)
        .get(reverse("referral_detail", args=[world["waiting"].pk]))
        .text
    )  # already asked: the page says it waits instead
    detail = reverse("retraction_detail", args=[request.pk])
    assert "撤回を承認する" in client_for(bob.user).get(detail).text
    # Even promoted to supervisor, the clerk who asked cannot approve her own request.
    alice.role = StaffRole.SUPERVISOR
    alice.save()
    asker = client_for(alice.user)
    page = asker.get(detail).text
    assert "撤回を承認する" not in page and "承認できません" in page
    refused = asker.post(
        reverse("retraction_approve", args=[request.pk]), {"seeker": world["seeker"].pk}
    )
    assert refused.status_code == 403
    assert RetractionRequest.objects.get(pk=request.pk).status == "pending"


def assert_refused_on_the_page(response, reason):
    assert response.status_code == 403
    assert reason in response.text
    assert f'href="{reverse("approval_queue")}"' in response.text  # a way back
    assert "窓口トップ" in response.text  # the counter's layout
    assert "このページは表示できません" not in response.text  # not the bare 403 page


def test_the_requester_is_told_why_on_the_page_and_nothing_changes(world, alice):
    """Issue 14: a refused decision shows its reason on the counter's own page."""
    request, waiting = world["request"], world["waiting"]
    alice.role = StaffRole.SUPERVISOR
    alice.save()
    asker = client_for(alice.user)
    reason = "自分が依頼した撤回は承認できません"
    assert reason in asker.get(reverse("retraction_detail", args=[request.pk])).text
    approve = asker.post(
        reverse("retraction_approve", args=[request.pk]), {"seeker": world["seeker"].pk}
    )
    assert_refused_on_the_page(approve, reason)
    reject = asker.post(
        reverse("retraction_reject", args=[request.pk]),
        {"seeker": world["seeker"].pk, "reason": "正しい紹介"},
    )
    assert_refused_on_the_page(reject, reason)
    assert RetractionRequest.objects.get(pk=request.pk).status == "pending"
    waiting.refresh_from_db()
    assert waiting.status == "issued" and waiting.disclosure.seeker_name
    assert Incident.objects.count() == 1  # the fixture's own
    assert not AuditEvent.objects.filter(
        action__in=["referral.retracted", "referral.retraction_rejected"],
        target_id=str(waiting.pk),
    ).exists()


def test_the_maker_is_told_why_on_the_page(no_hold, bob, seeker_a, posting_d, koriyama):
    referral = issue_in_person(seeker_a, bob, posting_d)  # the supervisor made this one
    clerk = factories.StaffMemberFactory(office=koriyama)
    request = services.referral_retract(referral=referral, staff=clerk, reason="誤り")
    approve = client_for(bob.user).post(
        reverse("retraction_approve", args=[request.pk]), {"seeker": seeker_a.pk}
    )
    assert_refused_on_the_page(approve, "自分が作成・確認した紹介の撤回は判断できません")
    assert RetractionRequest.objects.get(pk=request.pk).status == "pending"
    assert not Incident.objects.exists()


def test_a_retracted_letters_page_says_what_happened(world, alice):
    referral = world["incident"].referral
    page = client_for(alice.user).get(reverse("referral_detail", args=[referral.pk])).text
    assert "に撤回しました（求人者マイページの氏名・カナ・年齢は消去済み）" in page
    assert "確認すると" not in page and "から表示中" not in page


def test_a_stale_screen_cannot_retract_another_seeker(world, alice, bob, koriyama):
    other = factories.JobSeekerFactory(office=koriyama)
    supervisor = client_for(bob.user)
    for name, data in [
        ("retraction_approve", {}),
        ("retraction_reject", {"reason": "正しい紹介"}),
    ]:
        response = supervisor.post(
            reverse(name, args=[world["request"].pk]), {"seeker": other.pk, **data}
        )
        assert response.status_code == 400 and "別の求職者" in response.text
    assert RetractionRequest.objects.get(pk=world["request"].pk).status == "pending"


def test_rejecting_needs_a_reason(world, bob):
    response = client_for(bob.user).post(
        reverse("retraction_reject", args=[world["request"].pk]),
        {"seeker": world["seeker"].pk, "reason": ""},
    )
    assert response.status_code == 400
    assert RetractionRequest.objects.get(pk=world["request"].pk).status == "pending"


# -- the incident page ----------------------------------------------------------------------------


def test_the_incident_page_shows_tasks_timeline_and_records_the_view(world, bob):
    incident = world["incident"]
    page = client_for(bob.user).get(reverse("incident_detail", args=[incident.pk])).text
    for shown in [
        "求職者への説明と謝罪",
        "事業所への謝罪と削除の確認",
        "労働局への報告（速報）",
        "労働局への報告（確報）",
        "求人者の応募者一覧に表示",  # erin's list page in the fixture
        "撤回を承認",
        "インシデントを登録",
    ]:
        assert shown in page, shown
    assert AuditEvent.objects.filter(
        action="seeker.viewed", detail__screen="incident", actor=bob.user
    ).exists()


def test_a_task_through_the_screen(world, bob):
    incident, task = (
        world["incident"],
        IncidentTask.objects.get(incident=world["incident"], kind="tell_seeker"),
    )
    client = client_for(bob.user)
    url = reverse("incident_task_done", args=[incident.pk, task.pk])
    prefix = f"task-{task.pk}-"
    seeker_id = incident.referral.consultation.seeker_id
    bad = client.post(
        url, {prefix + "seeker": seeker_id, prefix + "method": "email", prefix + "done_on": "x"}
    )
    assert bad.status_code == 400 and "方法は一覧から選んでください" in bad.text
    task.refresh_from_db()
    assert task.done_at is None
    today = timezone.localdate()
    good = client.post(
        url,
        {
            prefix + "seeker": seeker_id,
            prefix + "method": "phone",
            prefix + "done_on": f"{today.year}年{today.month}月{today.day}日",
            prefix + "note": "電話で説明",
        },
    )
    assert good.status_code == 302
    task.refresh_from_db()
    assert task.method == "phone" and task.done_by == bob


def test_the_report_form_and_the_printable_report(world, bob):
    incident = world["incident"]
    client = client_for(bob.user)
    url = reverse("incident_report", args=[incident.pk])
    seeker_id = incident.referral.consultation.seeker_id
    bad = client.post(url, {"seeker": seeker_id, "people_count": "0"})
    assert bad.status_code == 400 and "本人の数は1以上" in bad.text
    saved = client.post(
        url,
        {"seeker": seeker_id, "people_count": "1", "cause": "求人票の取り違え", "summary": "概要"},
    )
    assert saved.status_code == 302
    incident.refresh_from_db()
    assert incident.cause == "求人票の取り違え"
    printed = client.get(reverse("incident_report_print", args=[incident.pk])).text
    for item in [
        "概要",
        "漏えいした個人データの項目",
        "本人の数",
        "発生原因",
        "二次被害の有無",
        "本人への対応",
        "公表",
        "再発防止策",
        "求人票の取り違え",
    ]:
        assert item in printed, item
    assert incident.referral.consultation.seeker.name not in printed
    # The refused form and the printed report were shown; the saved form redirected.
    assert AuditEvent.objects.filter(action="incident.report_viewed").count() == 2


def test_closing_through_the_screen_says_what_is_missing(world, bob):
    incident = world["incident"]
    response = client_for(bob.user).post(
        reverse("incident_close", args=[incident.pk]),
        {"seeker": incident.referral.consultation.seeker_id},
    )
    assert response.status_code == 400 and "未了の対応があります" in response.text
    assert Incident.objects.get(pk=incident.pk).closed_at is None


# -- alerts -----------------------------------------------------------------------------------------


def test_the_alert_page_acknowledges_and_resolves(world, bob):
    client = client_for(bob.user)
    alert = world["alert"]
    listing = client.get(reverse("alert_list")).text
    assert "紹介コード照会の不一致" in listing and "未確認" in listing
    assert client.post(reverse("alert_acknowledge", args=[alert.pk])).status_code == 302
    again = client.post(reverse("alert_acknowledge", args=[alert.pk]))
    assert again.status_code == 400 and "確認済み" in again.text
    empty = client.post(reverse("alert_resolve", args=[alert.pk]), {"note": " "})
    assert empty.status_code == 400
    assert Alert.objects.get(pk=alert.pk).resolved_at is None
    done = client.post(reverse("alert_resolve", args=[alert.pk]), {"note": "事業所に電話で確認"})
    assert done.url == reverse("alert_list")
    assert Alert.objects.get(pk=alert.pk).resolution_note == "事業所に電話で確認"


def test_counter_home_links_the_alerts_and_incidents(world, bob, alice):
    page = client_for(bob.user).get(reverse("counter_home")).text
    assert reverse("alert_list") in page and reverse("incident_list") in page
    assert "未解決のアラート 1件" in page and "撤回の承認待ち 1件" in page
    assert "対応中のインシデント 1件" in page
    clerk_page = client_for(alice.user).get(reverse("counter_home")).text
    assert reverse("alert_list") not in clerk_page
    assert reverse("self_inspection") in clerk_page


# -- the self-inspection --------------------------------------------------------------------------


def test_the_check_sheet_through_the_screen(alice, db):
    SelfInspectionItem.objects.update(active=False)
    first = SelfInspectionItem.objects.create(text="読み上げて確認した", order=1)
    second = SelfInspectionItem.objects.create(text="書類を放置しなかった", order=2)
    client = client_for(alice.user)
    page = client.get(reverse("self_inspection")).text
    assert "読み上げて確認した" in page and "書類を放置しなかった" in page
    incomplete = client.post(reverse("self_inspection"), {f"item_{first.pk}": "yes"})
    assert (
        incomplete.status_code == 400 and "「はい」か「いいえ」を選んでください" in incomplete.text
    )
    without_note = client.post(
        reverse("self_inspection"), {f"item_{first.pk}": "yes", f"item_{second.pk}": "no"}
    )
    assert without_note.status_code == 400 and "状況と対応を記入" in without_note.text
    assert not SelfInspection.objects.exists()
    done = client.post(
        reverse("self_inspection"),
        {f"item_{first.pk}": "yes", f"item_{second.pk}": "no", "note": "片付けた"},
    )
    assert done.status_code == 302
    assert "提出済み" in client.get(reverse("self_inspection")).text
    twice = client.post(
        reverse("self_inspection"), {f"item_{first.pk}": "yes", f"item_{second.pk}": "yes"}
    )
    assert twice.status_code == 400 and SelfInspection.objects.count() == 1


def test_a_bad_quarter_is_a_form_error(bob):
    response = client_for(bob.user).get(reverse("quarterly_report"), {"quarter": "2026-9"})
    assert response.status_code == 400 and "一覧にある四半期" in response.text


# -- the my page's notice ---------------------------------------------------------------------------


def test_the_notice_needs_the_box_ticked_and_is_only_for_its_establishment(world, erin, dave):
    incident = world["incident"]
    disclosure = incident.referral.disclosure
    url = reverse("mypage_notice_acknowledge", kwargs={"public_id": disclosure.public_id})
    assert client_for(dave.user).post(url, {"no_copy": "on"}).status_code == 404
    assert client_for(dave.user).get(reverse("mypage_notices")).text.count("取り下げ") == 0
    unticked = client_for(erin.user).post(url, {})
    assert unticked.status_code == 400 and "チェックを入れてください" in unticked.text
    assert Incident.objects.get(pk=incident.pk).employer_acknowledged_at is None
    assert client_for(erin.user).post(url, {"no_copy": "on"}).status_code == 302
    notices = client_for(erin.user).get(reverse("mypage_notices")).text
    assert "控えが残っていないことを確認しました" in notices
    # Acknowledged: the list's notice is gone, the notices page keeps it.
    assert "誤って送られた応募者の取り下げ" not in client_for(erin.user).get("/mypage/").text


def test_notice_urls_answer_anonymous_staff_and_wrong_methods(world, client, bob, erin):
    disclosure = world["incident"].referral.disclosure
    ack = reverse("mypage_notice_acknowledge", kwargs={"public_id": disclosure.public_id})
    notices = reverse("mypage_notices")
    for url in (ack, notices):
        response = client.post(url) if url == ack else client.get(url)
        assert response.status_code == 302 and response.url.startswith("/mypage/login/")
        assert client_for(bob.user).get(url).status_code == 403
    employer = client_for(erin.user)
    assert employer.get(ack).status_code == 405
    assert employer.post(notices).status_code == 405
    assert "no-store" in employer.get(notices)["Cache-Control"]


# -- query counts: the same at 1 and at 50 rows -----------------------------------------------------


def count_queries(client, url):
    client.get(url)  # the session's first activity stamp is written once
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def visible_referrals(count, alice, koriyama, posting):
    return [
        issue_in_person(factories.JobSeekerFactory(office=koriyama), alice, posting)
        for _ in range(count)
    ]


def test_the_alert_list_costs_the_same_at_1_and_50_rows(
    no_hold, alice, bob, dave, erin, applicant_c, settings
):
    settings.CODE_CHECK_LIMIT_PER_MEMBER = settings.CODE_CHECK_LIMIT_PER_ESTABLISHMENT = 100
    client = client_for(bob.user)
    services.code_check(member=erin, code=applicant_c.referral_code)
    one = count_queries(client, reverse("alert_list"))
    for _ in range(48):
        services.code_check(member=erin, code=applicant_c.referral_code)
    services.misdelivery_report(disclosure=applicant_c, member=dave, note="")
    for alert in Alert.objects.filter(kind="code_mismatch")[:10]:
        incidents.alert_resolve(alert=alert, supervisor=bob, note="確認した")
    for alert in Alert.objects.filter(resolved_at__isnull=True)[:10]:
        incidents.alert_acknowledge(alert=alert, supervisor=bob)
    assert Alert.objects.count() == 50
    assert count_queries(client, reverse("alert_list")) == one


def test_the_incident_list_and_queue_cost_the_same_at_1_and_50_rows(
    no_hold, alice, bob, koriyama, posting_d
):
    client = client_for(bob.user)
    referrals = visible_referrals(52, alice, koriyama, posting_d)
    retract(referrals[0], requester=alice, supervisor=bob)
    services.referral_retract(referral=referrals[1], staff=alice, reason="誤り")
    one_list = count_queries(client, reverse("incident_list"))
    one_queue = count_queries(client, reverse("approval_queue"))
    one_dashboard = count_queries(client, reverse("dashboard"))
    for referral in referrals[2:]:
        services.referral_retract(referral=referral, staff=alice, reason="誤り")
    for referral in referrals[2:27]:
        services.retraction_approve(referral=referral, supervisor=bob)
    assert (
        Incident.objects.count() == 26
        and RetractionRequest.objects.filter(status="pending").count() == 26
    )
    assert count_queries(client, reverse("incident_list")) == one_list
    assert count_queries(client, reverse("approval_queue")) == one_queue
    assert count_queries(client, reverse("dashboard")) == one_dashboard


def test_the_incident_timeline_costs_the_same_at_1_and_50_views(
    no_hold, alice, bob, erin, seeker_a, posting_d
):
    referral = issue_in_person(seeker_a, alice, posting_d)
    employer = client_for(erin.user)
    url = reverse("mypage_applicant", kwargs={"public_id": referral.disclosure.public_id})
    employer.get(url)
    first = retract(referral, requester=alice, supervisor=bob)
    client = client_for(bob.user)
    one = count_queries(client, reverse("incident_detail", args=[first.pk]))

    other = issue_in_person(factories.JobSeekerFactory(office=alice.office), alice, posting_d)
    other_url = reverse("mypage_applicant", kwargs={"public_id": other.disclosure.public_id})
    for _ in range(25):
        employer.get(other_url)
        employer.get(reverse("mypage_home"))
    second = retract(other, requester=alice, supervisor=bob)
    assert len([e for e in AuditEvent.objects.filter(action__startswith="disclosure.")]) > 50
    assert count_queries(client, reverse("incident_detail", args=[second.pk])) == one


def test_the_my_page_notices_cost_the_same_at_1_and_50_rows(
    no_hold, alice, bob, erin, koriyama, posting_d
):
    referrals = visible_referrals(51, alice, koriyama, posting_d)  # the last stays visible
    retract(referrals[0], requester=alice, supervisor=bob)
    employer = client_for(erin.user)
    one_notices = count_queries(employer, reverse("mypage_notices"))
    one_home = count_queries(employer, reverse("mypage_home"))
    for referral in referrals[1:50]:
        retract(referral, requester=alice, supervisor=bob)
    assert count_queries(employer, reverse("mypage_notices")) == one_notices
    assert count_queries(employer, reverse("mypage_home")) == one_home


def test_the_bureau_view_costs_the_same_for_1_and_5_offices(manager):
    client = client_for(manager.user)
    one = count_queries(client, reverse("dashboard_bureau"))
    for code in ("0702", "0703", "0705", "0706"):
        office = factories.OfficeFactory(code=code, bureau=manager.office.bureau)
        factories.StaffMemberFactory(office=office)
    assert count_queries(client, reverse("dashboard_bureau")) == one


def test_the_quarterly_report_costs_the_same_with_more_incidents(
    no_hold, alice, bob, koriyama, posting_d
):
    client = client_for(bob.user)
    referrals = visible_referrals(20, alice, koriyama, posting_d)
    retract(referrals[0], requester=alice, supervisor=bob)
    one = count_queries(client, reverse("quarterly_report"))
    for referral in referrals[1:]:
        retract(referral, requester=alice, supervisor=bob)
    assert count_queries(client, reverse("quarterly_report")) == one
