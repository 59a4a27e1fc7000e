"""Rule 8 in a real browser, by keyboard alone, axe-core on every page: an applicant sent
to the wrong establishment is seen there, retracted with a supervisor's approval, the
employer confirms keeping no copy, and the supervisor completes the tasks and closes the
incident."""

import re

from django.core import mail
from django.urls import reverse

from hellowork.models import StaffRole
from referrals.models import Alert, Disclosure, Incident, IncidentTask, SelfInspectionItem
from tests import factories
from tests.browser.conftest import Journey, log_in, new_page
from tests.factories import TEST_PASSWORD
from tests.referrals.helpers import issue_in_person

REPORT = {
    "#id_summary": "求職者Aの応募者情報を、応募を希望していない事業所Dの求人者マイページに表示した。",
    "#id_cause": "紹介状の入力時に、机上にあった別の求人票の番号を入力した。",
    "#id_secondary_harm": "なし。事業所Dは控えを残していないことを確認した。",
    "#id_response_to_people": "求職者Aに電話で経緯を説明し謝罪した。",
    "#id_publication": "労働局から報道発表した。",
    "#id_prevention": "紹介状発行画面の読み上げと再入力による確認を徹底する。",
}


def test_a_mistaken_disclosure_is_retracted_and_the_incident_closed(
    browser, live_server, no_hold, alice, bob, erin, seeker_a, posting_d
):
    referral = issue_in_person(seeker_a, alice, posting_d)  # D instead of C: visible at once

    # The employer sees the applicant and opens it.
    employer = Journey(new_page(browser), live_server.url)
    log_in(employer, side="mypage", username=erin.user.username, password=TEST_PASSWORD)
    assert seeker_a.name in employer.text()
    employer.press(employer.link(seeker_a.name))
    assert seeker_a.kana in employer.text()

    # The clerk finds the mistake and asks for a retraction.
    clerk = Journey(new_page(browser), live_server.url)
    log_in(clerk, side="counter", username="alice", password=TEST_PASSWORD)
    clerk.visit(reverse("referral_detail", args=[referral.pk]))
    clerk.type_into(
        clerk.page.locator("#id_reason"), "求職者が希望した事業所Cではなく、事業所Dに紹介していた"
    )
    clerk.press(clerk.button("撤回を依頼する"))
    assert "承認を待っています" in clerk.text()

    # A supervisor (not the clerk) reads it back and approves.
    supervisor = Journey(new_page(browser), live_server.url)
    log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
    supervisor.press(supervisor.link("承認待ち"))
    supervisor.press(supervisor.link("撤回を確認する"))
    page = supervisor.text()
    assert seeker_a.name in page and "株式会社朝日物流" in page and "あり（" in page
    supervisor.shoot("counter-retraction")
    supervisor.press(supervisor.button("撤回を承認する"))
    incident = Incident.objects.get()
    assert incident.employer_viewed is True
    assert f"/counter/incidents/{incident.pk}/" in supervisor.page.url
    assert Disclosure.objects.get(pk=referral.disclosure.pk).seeker_name == ""

    # The employer's next page shows the notice, without the applicant's data, and the
    # employer confirms that no copy was kept.
    employer.visit("/mypage/")
    notice = employer.text()
    assert "誤って送られた応募者の取り下げ" in notice and posting_d.number in notice
    for private in [seeker_a.name, seeker_a.kana, referral.code]:
        assert private not in notice
    employer.shoot("mypage-retraction-notice")
    employer.tab_to(employer.page.locator("#id_no_copy_0"))
    employer.page.keyboard.press("Space")
    employer.press(employer.button("確認したことをハローワークに伝える"))
    assert "確認をハローワークに伝えました" in employer.text()
    incident.refresh_from_db()
    assert incident.employer_acknowledged_by == erin

    # The supervisor records the four tasks, writes the report and closes the incident.
    supervisor.visit(f"/counter/incidents/{incident.pk}/")
    assert "求人者が「控えなし」を確認" in supervisor.text()
    for task in IncidentTask.objects.filter(incident=incident).order_by("due_at", "pk"):
        supervisor.choose(supervisor.page.locator(f"#id_task-{task.pk}-method_0"))
        supervisor.press(supervisor.button(f"「{task.get_kind_display()}」を記録する"))
        assert f"「{task.get_kind_display()}」を記録しました" in supervisor.text()
    assert not IncidentTask.objects.filter(incident=incident, done_at__isnull=True).exists()
    supervisor.press(supervisor.link("報告を書く・直す"))
    for selector, text in REPORT.items():
        supervisor.type_into(supervisor.page.locator(selector), text)
    supervisor.press(supervisor.button("保存する"))
    supervisor.shoot("counter-incident")
    supervisor.press(supervisor.button("インシデントを完了する"))
    assert "インシデントを完了しました" in supervisor.text()
    incident.refresh_from_db()
    assert incident.closed_at is not None and incident.closed_by == bob

    # The printable report, and the dashboard counting the retraction.
    supervisor.press(supervisor.link("報告書を印刷"))
    assert "個人データの漏えい等の報告" in supervisor.text()
    assert seeker_a.name not in supervisor.text()
    supervisor.visit("/counter/dashboard/")
    row = supervisor.page.locator('tr[data-series="retraction"]').inner_text()
    assert row.split()[-2:] == ["1", "1"]
    supervisor.shoot("counter-dashboard")
    for journey in (employer, clerk, supervisor):
        journey.page.context.close()


def test_a_supervisor_handles_a_misdelivery_report_from_the_alert(
    browser, live_server, no_hold, alice, bob, erin, seeker_a, posting_d, koriyama
):
    """From the employer's "心当たりがない" to the resolved alert, the manager's figures and
    the monthly check sheet."""
    manager = factories.StaffMemberFactory(
        office=koriyama, role=StaffRole.MANAGER, user__username="manager"
    )
    SelfInspectionItem.objects.update(active=False)
    items = [
        SelfInspectionItem.objects.create(text=text, order=index)
        for index, text in enumerate(["読み上げて確認した", "書類を机に放置しなかった"])
    ]
    referral = issue_in_person(seeker_a, alice, posting_d)

    employer = Journey(new_page(browser), live_server.url)
    log_in(employer, side="mypage", username=erin.user.username, password=TEST_PASSWORD)
    employer.press(employer.link(seeker_a.name))
    employer.press(employer.link("この応募者に心当たりがない"))
    employer.type_into(employer.page.locator("#id_note"), "応募の予定がない方です")
    employer.press(employer.button("心当たりがないことを報告する"))
    alert = Alert.objects.get(kind="misdelivery_report")
    # Hidden in the same request (rule 11): no name, no letter to print.
    assert "ハローワークで確認中の応募者" in employer.text()
    assert seeker_a.name not in employer.text()

    supervisor = Journey(new_page(browser), live_server.url)
    log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
    supervisor.press(supervisor.link("重大なアラート 1件"))  # the header, on every page
    assert "求人者からの誤送付の申告" in supervisor.text()
    supervisor.shoot("counter-alerts")
    supervisor.press(supervisor.page.get_by_role("link", name=re.compile("^開く")))
    assert "応募の予定がない方です" in supervisor.text() and "申告への判断" in supervisor.text()
    supervisor.press(supervisor.button("確認した（対応中にする）"))
    supervisor.press(supervisor.link("紹介状の画面から撤回を依頼する"))
    supervisor.type_into(supervisor.page.locator("#id_reason"), "事業所Dからの申告で誤りが分かった")
    supervisor.press(supervisor.button("撤回を依頼する"))

    chief = Journey(new_page(browser), live_server.url)
    log_in(chief, side="counter", username="manager", password=TEST_PASSWORD)
    chief.press(chief.link("承認待ち"))
    chief.press(chief.link("撤回を確認する"))
    chief.press(chief.button("撤回を承認する"))
    assert Incident.objects.get().opened_by == manager

    # The retraction decided the report: the alert closed itself, saying by what.
    supervisor.visit(f"/counter/alerts/{alert.pk}/")
    assert "自動で解決した理由" in supervisor.text() and "撤回の承認" in supervisor.text()
    assert supervisor.page.locator(".header-alerts").inner_text() == "重大なアラートなし"
    alert.refresh_from_db()
    assert alert.resolved_by == manager and alert.settled_by == "retracted"
    assert alert.misdelivery_report.note == ""

    employer.press(employer.link("お知らせ"))
    assert "誤って送られた応募者の取り下げ" in employer.text()
    assert seeker_a.name not in employer.text()

    # The manager's figures: the office, the bureau, the quarter.
    chief.press(chief.link("ダッシュボード"))
    chief.press(chief.link("労働局全体"))
    assert "ハローワーク郡山" in chief.text() and "合計" in chief.text()
    chief.press(chief.link("自所のダッシュボードに戻る"))
    chief.press(chief.link("四半期の報告"))
    assert "四半期報告" in chief.text()

    # Every staff member's monthly check sheet.
    supervisor.press(supervisor.link("自己点検"))
    for item in items:
        supervisor.choose(supervisor.page.locator(f"#id_item_{item.pk}_0"))
    supervisor.press(supervisor.button("提出する"))
    assert "提出しました" in supervisor.text()
    assert referral.code  # the code stays reserved
    for journey in (employer, supervisor, chief):
        journey.page.context.close()


def test_a_report_found_mistaken_shows_the_applicant_again(
    browser, live_server, no_hold, alice, bob, erin, seeker_a, posting_d
):
    """Rule 11, the other decision: employer report, the supervisor's header badge and
    e-mail, "show again" with a reason, the employer's notice and applicant."""
    bob.user.email = "bob@koriyama.example.jp"
    bob.user.save(update_fields=["email"])
    issue_in_person(seeker_a, alice, posting_d)

    employer = Journey(new_page(browser), live_server.url)
    log_in(employer, side="mypage", username=erin.user.username, password=TEST_PASSWORD)
    employer.press(employer.link(seeker_a.name))
    employer.press(employer.link("この応募者に心当たりがない"))
    employer.press(employer.button("心当たりがないことを報告する"))
    assert "ハローワークで確認中の応募者" in employer.text()
    employer.shoot("mypage-applicant-hidden")
    employer.press(employer.link("応募者の一覧に戻る"))
    assert seeker_a.name not in employer.text()
    assert "ハローワークの確認が終わるまで表示していません" in employer.text()

    (urgent,) = [m for m in mail.outbox if "至急" in m.subject]  # sent in that request
    assert urgent.to == [bob.user.email] and seeker_a.name not in urgent.body
    assert reverse("alert_detail", args=[Alert.objects.get().pk]) in urgent.body

    supervisor = Journey(new_page(browser), live_server.url)
    log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
    assert supervisor.page.locator(".header-alerts").inner_text() == "重大なアラート 1件"
    supervisor.press(supervisor.link("重大なアラート 1件"))
    supervisor.press(supervisor.page.get_by_role("link", name=re.compile("^開く")))
    assert "報告を受けて非表示にしています（判断待ち）" in supervisor.text()
    supervisor.shoot("counter-alert-decision")
    supervisor.press(supervisor.button("求人者マイページに再表示する"))
    assert "再表示してよいと判断した理由を入力してください" in supervisor.text()  # nothing changed
    assert Disclosure.objects.get().quarantined_at is not None
    supervisor.type_into(
        supervisor.page.locator("#id_note"), "求職者に電話で確認し、応募の意思があった"
    )
    supervisor.press(supervisor.button("求人者マイページに再表示する"))
    assert "再表示しました" in supervisor.text()
    assert supervisor.page.locator(".header-alerts").inner_text() == "重大なアラートなし"

    employer.press(employer.link("お知らせ"))
    assert "確認の結果: 正しい紹介でした" in employer.text()
    assert "応募の意思" not in employer.text()  # the supervisor's reason stays at the office
    employer.press(employer.link("応募者を見る"))
    assert seeker_a.kana in employer.text()
    for journey in (employer, supervisor):
        journey.page.context.close()
