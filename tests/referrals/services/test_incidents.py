"""After the retraction: the incident's tasks, report and closing; handling alerts; the
escalation of overdue tasks, old alerts and retractions left waiting; the monthly
self-inspection."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from hellowork.models import AuditEvent, StaffRole
from referrals import services
from referrals.models import Alert, Incident, IncidentTask, SelfInspection, SelfInspectionItem
from referrals.services import incidents
from tests import factories
from tests.referrals.helpers import called_draft, consult, issue_in_person, retract

T0 = datetime.datetime(2026, 6, 9, 1, 0, tzinfo=datetime.UTC)  # 10:00 in Tokyo
DAY = datetime.timedelta(days=1)
REPORT = {
    "summary": "求職者Aの応募者情報を、応募を希望していない事業所Dのマイページに表示した。",
    "data_items": "氏名、氏名（カナ）、年齢",
    "people_count": 1,
    "cause": "紹介状の再入力時に求人票を取り違えた。",
    "secondary_harm": "なし",
    "response_to_people": "電話で説明し謝罪した。",
    "publication": "労働局が報道発表した。",
    "prevention": "読み上げ確認と統括官の承認を徹底する。",
}


@pytest.fixture
def incident(no_hold, alice, bob, seeker_a, posting_d):
    with time_machine.travel(T0, tick=False):
        referral = issue_in_person(seeker_a, alice, posting_d)
        return retract(referral, requester=alice, supervisor=bob)


def task(incident, kind):
    return IncidentTask.objects.get(incident=incident, kind=kind)


def complete(incident, supervisor, kind, method="phone", *, on=None):
    return incidents.incident_task_complete(
        task=task(incident, kind),
        supervisor=supervisor,
        method=method,
        done_on=on or timezone.localdate(),
        note="",
    )


def complete_all(incident, supervisor):
    complete(incident, supervisor, "tell_seeker", "phone")
    complete(incident, supervisor, "apologise_establishment", "visit")
    complete(incident, supervisor, "report_preliminary", "document")
    complete(incident, supervisor, "report_final", "document")


# -- tasks ---------------------------------------------------------------------------------------


def test_a_task_records_method_day_and_who(incident, bob):
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        done = incidents.incident_task_complete(
            task=task(incident, "tell_seeker"),
            supervisor=bob,
            method="phone",
            done_on=datetime.date(2026, 6, 10),
            note="本人に経緯を説明し謝罪",
        )
    assert (done.method, done.done_on, done.done_by) == ("phone", datetime.date(2026, 6, 10), bob)
    assert done.done_at == T0 + 2 * DAY
    event = AuditEvent.objects.get(action="incident.task_done")
    assert event.detail == {
        "task_id": done.pk,
        "kind": "tell_seeker",
        "method": "phone",
        "done_on": "2026-06-10",
        "late": True,  # the deadline was one day
    }


@pytest.mark.parametrize(
    ("kind", "method", "day", "field"),
    [
        ("tell_seeker", "email", datetime.date(2026, 6, 9), "method"),  # not for the seeker
        ("report_preliminary", "phone", datetime.date(2026, 6, 9), "method"),
        ("tell_seeker", "", datetime.date(2026, 6, 9), "method"),
        ("tell_seeker", "phone", datetime.date(2026, 6, 8), "done_on"),  # before the incident
        ("tell_seeker", "phone", datetime.date(2026, 6, 10), "done_on"),  # in the future
        ("tell_seeker", "phone", None, "done_on"),
        ("report_final", "document", datetime.date(2026, 6, 9), "method"),  # before the first
    ],
)
def test_bad_task_input_is_refused_and_changes_nothing(incident, bob, kind, method, day, field):
    with (
        time_machine.travel(T0 + datetime.timedelta(hours=2), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        incidents.incident_task_complete(
            task=task(incident, kind), supervisor=bob, method=method, done_on=day
        )
    assert field in refused.value.message_dict
    assert not IncidentTask.objects.filter(incident=incident, done_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="incident.task_done").exists()


def test_a_task_is_done_once(incident, bob):
    complete(incident, bob, "tell_seeker")
    with pytest.raises(ValidationError, match="記録済み"):
        complete(incident, bob, "tell_seeker")


def test_clerks_and_other_offices_do_not_handle_incidents(incident, alice, carol):
    for outsider in (alice, carol):
        with pytest.raises(PermissionDenied):
            complete(incident, outsider, "tell_seeker")
        with pytest.raises(PermissionDenied):
            incidents.incident_close(incident=incident, supervisor=outsider)
        with pytest.raises(PermissionDenied):
            incidents.incident_report_update(incident=incident, supervisor=outsider, **REPORT)


# -- report and closing ----------------------------------------------------------------------


def test_closing_needs_every_task_and_the_whole_report(incident, bob):
    with pytest.raises(ValidationError) as refused:
        incidents.incident_close(incident=incident, supervisor=bob)
    assert "未了の対応" in str(refused.value) and "発生原因" in str(refused.value)
    complete_all(incident, bob)
    with pytest.raises(ValidationError, match="報告の未記入"):
        incidents.incident_close(incident=incident, supervisor=bob)
    incidents.incident_report_update(incident=incident, supervisor=bob, **REPORT)
    closed = incidents.incident_close(incident=incident, supervisor=bob)
    assert closed.closed_at is not None and closed.closed_by == bob
    with pytest.raises(ValidationError, match="完了"):
        incidents.incident_report_update(incident=incident, supervisor=bob, **REPORT)
    with pytest.raises(ValidationError, match="完了"):
        incidents.incident_close(incident=incident, supervisor=bob)


def test_one_open_task_keeps_the_incident_open(incident, bob):
    complete(incident, bob, "tell_seeker")
    complete(incident, bob, "apologise_establishment", "visit")
    complete(incident, bob, "report_preliminary", "document")
    incidents.incident_report_update(incident=incident, supervisor=bob, **REPORT)
    with pytest.raises(ValidationError, match="確報"):
        incidents.incident_close(incident=incident, supervisor=bob)
    assert Incident.objects.get().closed_at is None


@pytest.mark.parametrize(
    ("field", "value"), [("people_count", 0), ("people_count", -1), ("cause", "あ" * 4001)]
)
def test_a_bad_report_is_refused_and_changes_nothing(incident, bob, field, value):
    with pytest.raises(ValidationError) as refused:
        incidents.incident_report_update(
            incident=incident, supervisor=bob, **{**REPORT, field: value}
        )
    assert field in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.cause == "" and incident.people_count == 1


def test_the_report_update_names_the_fields_not_their_text(incident, bob):
    incidents.incident_report_update(incident=incident, supervisor=bob, **REPORT)
    event = AuditEvent.objects.get(action="incident.report_updated")
    assert "cause" in event.detail["fields"]
    assert "取り違えた" not in str(event.detail)


# -- alerts ----------------------------------------------------------------------------------------


@pytest.fixture
def alert(applicant_c, erin, alice):
    services.code_check(member=erin, code=applicant_c.referral_code)
    return Alert.objects.get()


def test_an_alert_is_acknowledged_then_resolved(alert, bob):
    incidents.alert_acknowledge(alert=alert, supervisor=bob)
    with pytest.raises(ValidationError, match="確認済み"):
        incidents.alert_acknowledge(alert=alert, supervisor=bob)
    with pytest.raises(ValidationError):
        incidents.alert_resolve(alert=alert, supervisor=bob, note="  ")
    alert.refresh_from_db()
    assert alert.resolved_at is None
    incidents.alert_resolve(alert=alert, supervisor=bob, note="事業所Dに電話で確認した")
    alert.refresh_from_db()
    assert alert.resolved_by == bob and alert.resolution_note == "事業所Dに電話で確認した"
    with pytest.raises(ValidationError, match="解決済み"):
        incidents.alert_resolve(alert=alert, supervisor=bob, note="再度")
    assert [e.action for e in AuditEvent.objects.filter(target_type="referrals.alert")] == [
        "alert.raised",
        "alert.acknowledged",
        "alert.resolved",
    ]


def test_resolving_acknowledges_too(alert, bob):
    incidents.alert_resolve(alert=alert, supervisor=bob, note="確認した")
    alert.refresh_from_db()
    assert alert.acknowledged_by == bob and alert.acknowledged_at == alert.resolved_at


def test_alerts_are_handled_by_supervisors_of_their_office(alert, alice, carol):
    for outsider in (alice, carol):
        with pytest.raises(PermissionDenied):
            incidents.alert_acknowledge(alert=alert, supervisor=outsider)
        with pytest.raises(PermissionDenied):
            incidents.alert_resolve(alert=alert, supervisor=outsider, note="x")
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and alert.resolved_at is None


# -- escalation ---------------------------------------------------------------------------------


def escalate():
    """What the round escalated (the idle consultations it closed are tested elsewhere)."""
    out = io.StringIO()
    call_command("escalate_overdue", stdout=out)
    escalated = out.getvalue().split("; ")[0]
    return escalated + "\n"


def test_the_round_closes_idle_in_person_consultations(alice, seeker_a, settings):

    settings.CONSULTATION_IDLE_MINUTES = 30
    with time_machine.travel(T0, tick=False):
        consultation = consult(seeker_a, alice)
    with time_machine.travel(T0 + datetime.timedelta(minutes=31), tick=False):
        out = io.StringIO()
        call_command("escalate_overdue", stdout=out)
        assert "closed 1 idle consultations" in out.getvalue()
    consultation.refresh_from_db()
    assert consultation.closed_reason == "idle"


def test_an_overdue_task_escalates_once_by_e_mail(incident, manager, bob, seeker_a, settings):
    settings.INCIDENT_TELL_SEEKER_DAYS = 1
    with time_machine.travel(T0 + DAY - datetime.timedelta(seconds=1), tick=False):
        assert escalate() == "escalated: 0 tasks, 0 alerts, 0 retractions\n"
    with time_machine.travel(T0 + DAY + datetime.timedelta(minutes=5), tick=False):
        assert escalate() == "escalated: 1 tasks, 0 alerts, 0 retractions\n"
        assert escalate() == "escalated: 0 tasks, 0 alerts, 0 retractions\n"  # once per task
    (message,) = mail.outbox
    assert message.to == [manager.user.email]
    assert "求職者への説明と謝罪" in message.body and f"#{incident.pk}" in message.body
    assert f"/counter/incidents/{incident.pk}/" in message.body
    for private in [seeker_a.name, seeker_a.kana, seeker_a.number, "株式会社朝日物流"]:
        assert private not in message.body and private not in message.subject
    tell = task(incident, "tell_seeker")
    assert tell.escalated_at == T0 + DAY + datetime.timedelta(minutes=5)
    assert AuditEvent.objects.get(action="incident.task_escalated").detail["recipient_ids"] == [
        manager.pk
    ]


def test_each_overdue_task_escalates_once_over_the_weeks(incident, manager):
    for days in (2, 4, 10, 31, 60):
        with time_machine.travel(T0 + days * DAY, tick=False):
            escalate()
    assert len(mail.outbox) == 4  # one per task, never again
    assert IncidentTask.objects.filter(escalated_at__isnull=False).count() == 4


def test_a_task_done_in_time_never_escalates(incident, manager, bob):
    with time_machine.travel(T0 + datetime.timedelta(hours=3), tick=False):
        complete(incident, bob, "tell_seeker")
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        escalate()
    assert [m.body for m in mail.outbox if "求職者への説明" in m.body] == []


def test_an_undecided_critical_alert_escalates_once_after_its_minutes(alert, manager, settings):
    settings.CRITICAL_ALERT_ESCALATION_MINUTES = 30
    created = alert.created_at
    assert alert.severity == "critical"
    with time_machine.travel(created + datetime.timedelta(minutes=29, seconds=59), tick=False):
        assert escalate() == "escalated: 0 tasks, 0 alerts, 0 retractions\n"
    with time_machine.travel(created + datetime.timedelta(minutes=30), tick=False):
        assert escalate() == "escalated: 0 tasks, 1 alerts, 0 retractions\n"
    with time_machine.travel(created + datetime.timedelta(days=3), tick=False):
        assert escalate() == "escalated: 0 tasks, 0 alerts, 0 retractions\n"
    escalations = [m for m in mail.outbox if "判断されていません" in m.body]
    (message,) = escalations
    assert message.to == [manager.user.email]
    assert "30分" in message.body and f"/counter/alerts/{alert.pk}/" in message.body


def test_a_warning_escalates_after_hours_and_an_info_alert_never(
    alice, seeker_a, posting_c, posting_d, manager, settings
):
    settings.ALERT_ESCALATION_HOURS = 4
    consultation = consult(seeker_a, alice, apply=[posting_c, posting_d])
    first = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.referral_void(referral=first, staff=alice, reason="取り違え")
    called_draft(consultation=consultation, posting=posting_d, staff=alice)
    warning = Alert.objects.get(kind="retract_reorder")
    assert warning.severity == "warning"
    with time_machine.travel(warning.created_at + datetime.timedelta(hours=3), tick=False):
        assert escalate() == "escalated: 0 tasks, 0 alerts, 0 retractions\n"
    with time_machine.travel(warning.created_at + datetime.timedelta(hours=4), tick=False):
        assert escalate() == "escalated: 0 tasks, 1 alerts, 0 retractions\n"
    Alert.objects.filter(pk=warning.pk).update(severity="info", escalated_at=None)
    with time_machine.travel(warning.created_at + datetime.timedelta(days=9), tick=False):
        assert escalate() == "escalated: 0 tasks, 0 alerts, 0 retractions\n"


def test_a_resolved_alert_never_escalates(alert, manager, bob):
    incidents.alert_resolve(alert=alert, supervisor=bob, note="確認した")
    with time_machine.travel(timezone.now() + 10 * DAY, tick=False):
        escalate()
    assert [m for m in mail.outbox if "所長・管理者" in m.body] == []  # no escalation


@pytest.fixture
def waiting_retraction(no_hold, alice, seeker_a, posting_d):
    """A retraction asked for at T0 and not yet decided: the employer still sees the
    applicant."""
    with time_machine.travel(T0, tick=False):
        referral = issue_in_person(seeker_a, alice, posting_d)
        return services.referral_retract(referral=referral, staff=alice, reason="誤って紹介した")


def test_a_retraction_left_pending_escalates_once(
    waiting_retraction, manager, seeker_a, posting_d, settings
):
    settings.RETRACTION_ESCALATION_MINUTES = 30
    with time_machine.travel(T0 + datetime.timedelta(minutes=29, seconds=59), tick=False):
        assert escalate() == "escalated: 0 tasks, 0 alerts, 0 retractions\n"
    with time_machine.travel(T0 + datetime.timedelta(minutes=30), tick=False):
        assert escalate() == "escalated: 0 tasks, 0 alerts, 1 retractions\n"
        assert escalate() == "escalated: 0 tasks, 0 alerts, 0 retractions\n"  # once
    with time_machine.travel(T0 + DAY, tick=False):
        assert escalate() == "escalated: 0 tasks, 0 alerts, 0 retractions\n"
    (message,) = mail.outbox
    assert message.to == [manager.user.email]
    assert "30分" in message.body and "表示されたまま" in message.body
    assert f"#{waiting_retraction.pk}" in message.body
    assert f"/counter/retractions/{waiting_retraction.pk}/" in message.body
    private = [seeker_a.name, seeker_a.kana, seeker_a.number, posting_d.establishment.name]
    for text in [*private, waiting_retraction.reason]:
        assert text not in message.body and text not in message.subject
    waiting_retraction.refresh_from_db()
    assert waiting_retraction.escalated_at == T0 + datetime.timedelta(minutes=30)
    assert waiting_retraction.status == "pending"  # told about, not decided
    event = AuditEvent.objects.get(action="referral.retraction_escalated")
    assert event.target_id == str(waiting_retraction.referral_id)
    assert event.detail == {"request_id": waiting_retraction.pk, "recipient_ids": [manager.pk]}


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decided_retraction_never_escalates(waiting_retraction, manager, bob, decision):
    referral = waiting_retraction.referral
    with time_machine.travel(T0 + datetime.timedelta(minutes=10), tick=False):
        if decision == "approve":
            services.retraction_approve(referral=referral, supervisor=bob)
        else:
            services.retraction_reject(referral=referral, supervisor=bob, reason="誤りではない")
    with time_machine.travel(T0 + DAY - datetime.timedelta(minutes=1), tick=False):
        assert escalate().endswith(" 0 retractions\n")
    assert [m for m in mail.outbox if "撤回の依頼" in m.body] == []


def test_every_manager_gets_their_own_message(incident, manager, koriyama):
    second = factories.StaffMemberFactory(
        office=koriyama, role=StaffRole.MANAGER, user__email="jicho@koriyama.example.jp"
    )
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        escalate()
    tell = [m for m in mail.outbox if "求職者への説明" in m.body]
    assert sorted(m.to[0] for m in tell) == sorted([manager.user.email, second.user.email])
    assert all(len(m.recipients()) == 1 for m in mail.outbox)


def test_an_office_without_a_manager_tells_its_supervisors(incident, bob):
    bob.user.email = "bob@koriyama.example.jp"
    bob.user.save()
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        escalate()
    assert {m.to[0] for m in mail.outbox} == {"bob@koriyama.example.jp"}


def test_another_offices_manager_is_never_told(incident, manager, fukushima):
    factories.StaffMemberFactory(
        office=fukushima, role=StaffRole.MANAGER, user__email="shocho@fukushima.example.jp"
    )
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        escalate()
    assert {m.to[0] for m in mail.outbox} == {manager.user.email}


def test_a_failing_mail_server_escalates_nothing_and_tries_again(incident, manager, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with time_machine.travel(T0 + 2 * DAY, tick=False), pytest.raises(ConnectionRefusedError):
        escalate()
    assert not IncidentTask.objects.filter(escalated_at__isnull=False).exists()
    monkeypatch.undo()
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        assert escalate().startswith("escalated: 1 tasks")


def test_recipients_are_checked_against_the_office(manager, fukushima, koriyama):
    assert incidents.checked_recipients(office=koriyama, staff=[manager]) == [manager]
    with pytest.raises(PermissionDenied):
        incidents.checked_recipients(office=fukushima, staff=[manager])


def test_the_loop_refuses_a_non_positive_interval():
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("escalate_overdue", "--loop", "0", stderr=err)
    assert "positive" in err.getvalue()


# -- the monthly self-inspection ------------------------------------------------------------------


@pytest.fixture
def items(db):
    SelfInspectionItem.objects.update(active=False)
    return [
        SelfInspectionItem.objects.create(text=text, order=index)
        for index, text in enumerate(["読み上げて確認した", "机上に書類を放置しなかった"])
    ]


def test_a_sheet_is_submitted_once_a_month(alice, items):
    with time_machine.travel(datetime.datetime(2026, 6, 30, 14, 0, tzinfo=datetime.UTC)):
        # 23:00 on 30 June in Tokyo: still June.
        sheet = incidents.self_inspection_submit(
            staff=alice, answers={items[0].pk: True, items[1].pk: True}
        )
        assert sheet.month == datetime.date(2026, 6, 1)
        with pytest.raises(ValidationError, match="提出済み"):
            incidents.self_inspection_submit(
                staff=alice, answers={items[0].pk: True, items[1].pk: True}
            )
    with time_machine.travel(datetime.datetime(2026, 6, 30, 15, 0, tzinfo=datetime.UTC)):
        # Midnight in Tokyo: July.
        july = incidents.self_inspection_submit(
            staff=alice, answers={items[0].pk: True, items[1].pk: True}
        )
    assert july.month == datetime.date(2026, 7, 1)
    assert [a.item_text for a in sheet.answers.all()] == [
        "読み上げて確認した",
        "机上に書類を放置しなかった",
    ]


@pytest.mark.parametrize(
    ("answers", "note", "field"),
    [
        ({0: True}, "", "item_1"),  # one item unanswered
        ({0: True, 1: False}, "", "note"),  # いいえ needs a note
        ({0: True, 1: "yes"}, "", "item_1"),
    ],
)
def test_an_incomplete_sheet_is_refused(alice, items, answers, note, field):
    by_pk = {items[index].pk: value for index, value in answers.items()}
    with pytest.raises(ValidationError) as refused:
        incidents.self_inspection_submit(staff=alice, answers=by_pk, note=note)
    expected = field if field == "note" else f"item_{items[int(field[-1])].pk}"
    assert expected in refused.value.message_dict
    assert not SelfInspection.objects.exists()


def test_an_answer_to_a_retired_item_is_refused(alice, items):
    items[1].active = False
    items[1].save()
    with pytest.raises(ValidationError, match="点検項目が変わりました"):
        incidents.self_inspection_submit(
            staff=alice, answers={items[0].pk: True, items[1].pk: True}
        )


def test_no_items_no_sheet(alice, db):
    SelfInspectionItem.objects.update(active=False)
    with pytest.raises(ValidationError, match="登録されていません"):
        incidents.self_inspection_submit(staff=alice, answers={})


def test_a_no_with_a_note_is_accepted(alice, items):
    sheet = incidents.self_inspection_submit(
        staff=alice,
        answers={items[0].pk: True, items[1].pk: False},
        note="求人票を机に残していた。片付けた。",
    )
    assert [a.ok for a in sheet.answers.all()] == [True, False]
    assert AuditEvent.objects.get(action="self_inspection.submitted").detail["not_ok"] == 1


def test_the_database_refuses_a_resolved_alert_without_note_or_acknowledgement(alert, bob):
    from django.db import IntegrityError, transaction

    now = timezone.now()
    for values in [
        {"resolved_at": now, "resolved_by": bob},  # no acknowledgement, no note
        {"resolved_at": now, "resolved_by": bob, "acknowledged_at": now, "acknowledged_by": bob},
        {"acknowledged_at": now},  # acknowledged by nobody
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Alert.objects.filter(pk=alert.pk).update(**values)


def test_the_database_refuses_a_second_sheet_or_a_mid_month_one(alice, items):
    from django.db import IntegrityError, transaction

    sheet = incidents.self_inspection_submit(
        staff=alice, answers={items[0].pk: True, items[1].pk: True}
    )
    for month in [sheet.month, sheet.month.replace(day=15)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            SelfInspection.objects.create(
                staff=alice, office=alice.office, month=month, submitted_at=timezone.now()
            )
