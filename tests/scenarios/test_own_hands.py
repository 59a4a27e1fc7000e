"""Nobody closes what their own hands made (rules 4, 8, 11 and 12): everyone who had a
hand in a referral, however it was merged or sent back, is barred from restoring it,
deciding its retraction and closing its alerts; a clerk's warning is about the clerk's own
input only; the backfill of migration 0014 leaves real times and erased applicants alone.
Found by a second review of issue 14."""

import datetime
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Alert, Disclosure, MisdeliveryReport
from referrals.services import containment, incidents
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import (
    approve,
    called_draft,
    consult,
    digits_of,
    issue_in_person,
    pending,
    seeker_confirms,
)

backfill = import_module(
    "referrals.migrations.0014_clerk_mismatches_and_open_reports"
).decide_reports_made_before_containment


def locked_draft(seeker, staff, posting):
    consultation = consult(seeker, staff, apply=[posting])
    draft = called_draft(consultation=consultation, posting=posting, staff=staff)
    seeker_confirms(draft, staff)
    for _ in range(3):
        with pytest.raises(ValidationError):
            services.referral_confirm_in_session(referral=draft, staff=staff, posting_digits="0000")
    return draft


def test_a_supervisor_cannot_close_by_hand_the_alert_about_his_own_letter(
    frank, bob, seeker_a, posting_c
):
    draft = locked_draft(seeker_a, frank, posting_c)
    services.referral_void(referral=draft, staff=frank, reason="作り直し")
    alert = Alert.objects.get(kind="referral_locked", referral=draft)
    client = client_for(frank.user)
    page = client.get(reverse("alert_detail", args=[alert.pk])).text
    assert "自分が作成・確認した紹介のアラートは確認・解決できません" in page
    assert reverse("alert_resolve", args=[alert.pk]) not in page
    for name, data in [("alert_resolve", {"note": "確認済み"}), ("alert_acknowledge", {})]:
        refused = client.post(reverse(name, args=[alert.pk]), data)
        assert refused.status_code == 403 and "自分が作成・確認した紹介" in refused.text
    alert.refresh_from_db()
    assert alert.resolved_at is None and alert.acknowledged_at is None
    incidents.alert_resolve(alert=alert, supervisor=bob, note="本人と確認した")  # another may


def test_the_clerk_a_warning_names_cannot_close_it(frank, bob, koriyama, posting_c):
    for _ in range(services.CLERK_MISMATCH_WARNING):
        seeker = factories.JobSeekerFactory(office=koriyama)
        consultation = consult(seeker, frank, apply=[posting_c])
        draft = called_draft(consultation=consultation, posting=posting_c, staff=frank)
        seeker_confirms(draft, frank)
        with pytest.raises(ValidationError):
            services.referral_confirm_in_session(referral=draft, staff=frank, posting_digits="0000")
    warning = Alert.objects.get(kind="clerk_mismatches")
    assert warning.staff == frank
    with pytest.raises(PermissionDenied, match="自分についてのアラート"):
        incidents.alert_resolve(alert=warning, supervisor=frank, note="問題なし")
    incidents.alert_resolve(alert=warning, supervisor=bob, note="読み上げの手順を確認した")


def test_the_approving_supervisor_may_not_decide_the_retraction_either_way(
    no_hold, alice, bob, frank, seeker_a, posting_c
):
    referral = approve(pending(seeker_a, alice, posting_c), bob)
    request = services.referral_retract(referral=referral, staff=frank, reason="別の事業所だった")
    assert "自分が作成・確認した紹介" in services.retraction_checker_refusal(bob, request)
    with pytest.raises(PermissionDenied):
        services.retraction_reject(referral=referral, supervisor=bob, reason="正しい")
    with pytest.raises(PermissionDenied):
        services.retraction_approve(referral=referral, supervisor=bob)


def test_a_merge_forgets_no_hand(no_hold, alice, bob, dave, seeker_a, posting_c):
    """bob held the consultation and recorded the "apply"; alice drafted and confirmed;
    the consultation is then merged into alice's later one, where she recorded it too."""
    first = consult(seeker_a, bob, apply=[posting_c])
    referral = called_draft(consultation=first, posting=posting_c, staff=alice)
    seeker_confirms(referral, alice)
    services.referral_confirm_in_session(
        referral=referral, staff=alice, posting_digits=digits_of(posting_c)
    )
    services.consultation_close(consultation=first, staff=bob)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)):
        second = consult(seeker_a, alice, apply=[posting_c])
        services.consultation_merge(source=first, target=second, staff=alice)
    referral.refresh_from_db()
    assert referral.consultation == second
    assert bob.pk in containment.referral_makers(referral)


def test_a_send_back_forgets_no_hand(alice, bob, frank, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    services.referral_reject(referral=referral, supervisor=bob, reason="求人を確かめて")
    referral.refresh_from_db()
    assert referral.submitted_by is None
    assert alice.pk in containment.referral_makers(referral)


def test_a_supervisor_s_wrong_statements_raise_no_warning_about_the_clerk(
    alice, bob, koriyama, posting_c, posting_d
):
    for _ in range(services.CLERK_MISMATCH_WARNING + 1):
        referral = pending(factories.JobSeekerFactory(office=koriyama), alice, posting_c)
        with pytest.raises(ValidationError):
            services.approval_statement_check(
                referral=referral,
                supervisor=bob,
                stated_posting_number=posting_d.number,
                source="callback",
            )
    assert not Alert.objects.filter(kind="clerk_mismatches").exists()


def test_a_seeker_s_no_counts_against_the_clerk_who_drafted_it(alice, koriyama, posting_c):
    for _ in range(services.CLERK_MISMATCH_WARNING):
        consultation = consult(
            factories.JobSeekerFactory(office=koriyama), alice, apply=[posting_c]
        )
        draft = called_draft(consultation=consultation, posting=posting_c, staff=alice)
        readback = services.display_show(referral=draft, staff=alice)
        with pytest.raises(ValidationError):
            services.display_seeker_decline(display=readback.display, referral=draft)
    assert Alert.objects.get(kind="clerk_mismatches").staff == alice


def test_the_backfill_keeps_a_real_hiding_time(no_hold, alice, dave, seeker_a, posting_c):
    disclosure = issue_in_person(seeker_a, alice, posting_c).disclosure
    services.misdelivery_report(disclosure=disclosure, member=dave, note="")
    disclosure.refresh_from_db()
    hidden_at = disclosure.quarantined_at
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        backfill(apps, None)
    disclosure.refresh_from_db()
    assert disclosure.quarantined_at == hidden_at


def test_the_backfill_leaves_an_erased_applicant_undecided(
    no_hold, alice, bob, dave, seeker_a, posting_c
):
    disclosure = issue_in_person(seeker_a, alice, posting_c).disclosure
    services.misdelivery_report(disclosure=disclosure, member=dave, note="")
    alert = MisdeliveryReport.objects.get().alert
    Disclosure.objects.filter(pk=disclosure.pk).update(
        quarantined_at=None,
        erased_at=timezone.now(),
        seeker_name="",
        seeker_kana="",
        seeker_age=None,
    )
    Alert.objects.filter(pk=alert.pk).update(
        acknowledged_at=alert.created_at,
        acknowledged_by=bob,
        resolved_at=alert.created_at,
        resolved_by=bob,
        resolution_note="保存期間経過",
    )
    backfill(apps, None)
    assert MisdeliveryReport.objects.get().decision == ""
