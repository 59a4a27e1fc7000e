"""counter.views.approvals: the supervisor's queue and the approval step, the checker rule on
the page, and refusals said on the counter's page."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from hellowork.models import AuditEvent
from referrals import services
from referrals.models import (
    ApprovalStatement,
)
from tests import factories
from tests.conftest import client_for
from tests.counter.views.helpers import assert_refused_on_the_page
from tests.referrals.helpers import (
    called_draft,
    consult,
    pending,
)


def test_submit_then_the_supervisor_hears_it_from_the_seeker(
    alice, bob, seeker_a, posting_c, posting_d
):
    consultation = consult(seeker_a, alice, in_person=False, apply=[posting_c])
    services.consultation_note_update(
        consultation=consultation, staff=alice, note="電話: あさひ物流の倉庫内作業を希望"
    )
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.referral_submit(referral=referral, staff=alice)
    seeker_a.phone, seeker_a.email = "090-1234-5678", "hanako@example.jp"
    seeker_a.save()
    supervisor = client_for(bob.user)
    queue = supervisor.get(reverse("approval_queue")).text
    assert seeker_a.name in queue
    url = reverse("approval_detail", args=[referral.pk])
    statement = supervisor.get(url).text
    assert "承認 1/2" in statement and "承認して紹介状を発行" not in statement
    # The registered contact points to call back; nothing the clerk recorded about the choice.
    assert "090-1234-5678" in statement and "hanako@example.jp" in statement
    for clerks_record in ["あさひ物流", "朝日物流", posting_c.number, "倉庫内作業", "電話:"]:
        assert clerks_record not in statement, clerks_record
    # Nothing is listed before the supervisor types; the search finds postings by kana.
    found = supervisor.post(
        url, {"seeker": seeker_a.pk, "action": "search", "q": "あさひぶつりゅう"}
    )
    assert found.status_code == 200
    assert posting_c.number in found.text and posting_d.number in found.text  # the same kana
    # A statement needs where it was heard.
    no_source = supervisor.post(
        url,
        {"seeker": seeker_a.pk, "action": "state", "stated_posting_number": posting_c.number},
    )
    assert no_source.status_code == 400 and "どこで聞いた" in no_source.text
    assert not ApprovalStatement.objects.exists()
    wrong = supervisor.post(
        url,
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "callback",
            "stated_posting_number": posting_d.number,
        },
    )
    assert wrong.status_code == 400 and "一致しません" in wrong.text
    # One wrong statement each: bob may not try the next posting of the list.
    again = supervisor.get(url)
    assert "一度一致しませんでした" in again.text and 'value="state"' not in again.text
    other = factories.StaffMemberFactory(office=alice.office, role="supervisor")
    supervisor = client_for(other.user)
    right = supervisor.post(
        url,
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "callback",
            "stated_posting_number": "０７０４０－１２３４５６７８",
        },
    )
    assert right.status_code == 200 and "承認して紹介状を発行" in right.text
    assert "株式会社あさひ物流" in right.text
    statement = ApprovalStatement.objects.get(matched=True)
    done = supervisor.post(
        reverse("approval_approve", args=[referral.pk]),
        {"seeker": seeker_a.pk, "statement": statement.pk},
    )
    assert done.url == reverse("approval_queue")
    referral.refresh_from_db()
    assert referral.status == "issued"
    assert referral.confirmation.source == "callback"


def test_the_approve_step_needs_the_supervisors_own_fresh_statement(
    alice, bob, seeker_a, posting_c, posting_d, koriyama
):
    referral = pending(seeker_a, alice, posting_c)
    other = factories.StaffMemberFactory(office=koriyama, role="supervisor")
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=11), tick=False):
        old = services.approval_statement_check(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    others = services.approval_statement_check(
        referral=referral,
        supervisor=other,
        stated_posting_number=posting_c.number,
        source="written",
    )
    supervisor = client_for(bob.user)
    for statement in ["", "999999", old.pk, others.pk]:
        response = supervisor.post(
            reverse("approval_approve", args=[referral.pk]),
            {"seeker": seeker_a.pk, "statement": statement},
        )
        assert response.status_code == 400, statement
        assert "承認 1/2" in response.text
    # The first wave's form (a number, no statement) is refused the same way.
    tampered = supervisor.post(
        reverse("approval_approve", args=[referral.pk]),
        {"seeker": seeker_a.pk, "stated_posting_number": posting_c.number, "source": "callback"},
    )
    assert tampered.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "pending_approval"


def test_reject_needs_a_reason(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    supervisor = client_for(bob.user)
    assert (
        supervisor.post(
            reverse("approval_reject", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": ""}
        ).status_code
        == 400
    )
    supervisor.post(
        reverse("approval_reject", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": "要確認"}
    )
    referral.refresh_from_db()
    assert referral.status == "draft" and referral.rejection_reason == "要確認"
    assert (
        "要確認" in client_for(alice.user).get(reverse("referral_detail", args=[referral.pk])).text
    )


def test_the_maker_sees_no_approve_link_for_their_own_referral(bob, seeker_a, posting_c):
    referral = pending(seeker_a, bob, posting_c)
    supervisor = client_for(bob.user)
    assert "自分の作成" in supervisor.get(reverse("approval_queue")).text
    response = supervisor.post(
        reverse("approval_detail", args=[referral.pk]),
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "seeker_present",
            "stated_posting_number": posting_c.number,
        },
    )
    assert response.status_code == 403


# -- rule 4: the statement comes from the seeker, not from the clerk's record ---------------


def test_a_supervisor_who_read_the_clerks_record_cannot_state_it(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    supervisor = client_for(bob.user)
    url = reverse("consultation_detail", args=[referral.consultation_id])
    # Asked first: the page would show the clerk's record.
    guard = supervisor.get(url)
    assert "承認待ちの紹介状があります" in guard.text and posting_c.number not in guard.text
    assert not AuditEvent.objects.filter(action="seeker.viewed", actor=bob.user).exists()
    # A link cannot open it for them (a GET with anything): only their own POST from the guard.
    assert "それでも開く" in supervisor.get(url, {"record": "1"}).text
    opened = supervisor.post(reverse("consultation_open_record", args=[referral.consultation_id]))
    assert opened.url == url
    page = supervisor.get(url)
    assert posting_c.number in page.text  # the clerk's record: the posting recorded
    # The queue and the statement screen say so before anything is typed.
    queue = supervisor.get(reverse("approval_queue")).text
    assert "職員の記録を見たため照合不可" in queue
    statement = supervisor.get(reverse("approval_detail", args=[referral.pk]))
    assert "職員の記録" in statement.text and 'value="state"' not in statement.text
    refused = supervisor.post(
        reverse("approval_detail", args=[referral.pk]),
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "callback",
            "stated_posting_number": posting_c.number,
        },
    )
    assert refused.status_code == 403 and "別の統括官に依頼してください" in refused.text
    with pytest.raises(PermissionDenied, match="職員の記録"):
        services.approval_statement_check(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    with pytest.raises(PermissionDenied):
        services.referral_approve(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    # Sending it back needs no statement: still allowed.
    services.referral_reject(referral=referral, supervisor=bob, reason="要確認")


def test_a_statement_made_before_a_send_back_does_not_approve_the_resubmission(
    alice, bob, seeker_a, posting_c
):
    referral = pending(seeker_a, alice, posting_c)
    statement = services.approval_statement_check(
        referral=referral, supervisor=bob, stated_posting_number=posting_c.number, source="callback"
    )
    services.referral_reject(referral=referral, supervisor=bob, reason="要確認")
    services.referral_submit(referral=referral, staff=alice)
    response = client_for(bob.user).post(
        reverse("approval_approve", args=[referral.pk]),
        {"seeker": seeker_a.pk, "statement": statement.pk},
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "pending_approval"


# -- a refused approval is said on the counter's page (issue 14) ---------------------------------


def test_the_maker_cannot_send_back_their_own_letter_and_is_told_why(bob, seeker_a, posting_c):
    referral = pending(seeker_a, bob, posting_c)
    supervisor = client_for(bob.user)
    page = supervisor.get(reverse("approval_detail", args=[referral.pk])).text
    assert "自分が作成・記録した紹介は承認できません" in page
    assert "理由を付けて差し戻す" not in page  # no button that would only be refused
    refused = supervisor.post(
        reverse("approval_reject", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": "要確認"}
    )
    assert_refused_on_the_page(refused, "自分が作成・記録した紹介は承認できません")
    referral.refresh_from_db()
    assert referral.status == "pending_approval" and referral.rejection_reason == ""
    assert not AuditEvent.objects.filter(action="referral.rejected").exists()


def test_a_supervisor_who_read_the_record_after_stating_is_told_why_on_approve(
    alice, bob, seeker_a, posting_c
):
    referral = pending(seeker_a, alice, posting_c)
    statement = services.approval_statement_check(
        referral=referral, supervisor=bob, stated_posting_number=posting_c.number, source="callback"
    )
    supervisor = client_for(bob.user)
    supervisor.post(reverse("referral_open_record", args=[referral.pk]))
    supervisor.get(reverse("referral_detail", args=[referral.pk]))  # the clerk's record
    refused = supervisor.post(
        reverse("approval_approve", args=[referral.pk]),
        {"seeker": seeker_a.pk, "statement": statement.pk},
    )
    assert_refused_on_the_page(refused, "職員の記録")
    referral.refresh_from_db()
    assert referral.status == "pending_approval" and referral.code is None
    assert not AuditEvent.objects.filter(action="referral.approved").exists()
    # Sending it back needs no statement: still offered, and allowed.
    assert "理由を付けて差し戻す" in refused.text
