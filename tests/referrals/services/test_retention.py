"""Retention: personal data past RETENTION_DAYS is erased every night; the trail and the
counts stay (ASVS 14.2.7)."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction

from hellowork import audit
from hellowork.models import AuditEvent
from referrals import selectors, services
from referrals.models import Consultation, Disclosure, ReferralLetter, SelectionResult
from tests.referrals.helpers import issue_in_person

T0 = datetime.datetime(2023, 4, 3, 1, 0, tzinfo=datetime.UTC)


def test_old_snapshots_and_notes_are_erased_and_the_rest_stays(
    no_hold, alice, dave, seeker_a, posting_c, posting_d, settings
):
    settings.RETENTION_DAYS = 365
    with time_machine.travel(T0, tick=False):
        old = issue_in_person(seeker_a, alice, posting_c)
        services.selection_result_record(
            disclosure=old.disclosure,
            member=dave,
            result="hired",
            start_date=old.disclosure.referral_date,
            conditions_differ=True,
            conditions_difference="勤務地が違う",
        )
        services.consultation_note_update(
            consultation=old.consultation, staff=alice, note="家族の介護あり"
        )
        services.consultation_close(consultation=old.consultation, staff=alice)
    with time_machine.travel(T0 + datetime.timedelta(days=400), tick=False):
        recent = issue_in_person(seeker_a, alice, posting_d)
        trail = AuditEvent.objects.count()
        out = io.StringIO()
        call_command("erase_expired_personal_data", stdout=out)
        assert "1 disclosures, 1 consultation notes" in out.getvalue()

        old.disclosure.refresh_from_db()
        assert (
            old.disclosure.seeker_name,
            old.disclosure.seeker_kana,
            old.disclosure.seeker_age,
        ) == ("", "", None)
        assert old.disclosure.erased_at is not None
        assert old.disclosure.referral_code == old.code  # the code stays reserved
        assert SelectionResult.objects.get().conditions_difference == ""
        assert Consultation.objects.get(pk=old.consultation_id).note == ""
        # What was recent is untouched; the letters, their codes and the counts stay.
        recent.disclosure.refresh_from_db()
        assert recent.disclosure.seeker_name == seeker_a.name
        assert ReferralLetter.objects.filter(status="issued").count() == 2
        # The employer no longer lists the erased applicant.
        visible = list(selectors.disclosures_visible_to(establishment=posting_c.establishment))
        assert old.disclosure not in visible
        # The trail grew, and still verifies.
        assert AuditEvent.objects.count() > trail
        assert audit.verify()[1] is None
        assert "家族の介護" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))

        # Safe to run again: nothing more to do.
        out = io.StringIO()
        call_command("erase_expired_personal_data", stdout=out)
        assert "0 disclosures, 0 consultation notes" in out.getvalue()


def test_the_database_refuses_an_erased_snapshot_with_a_name(no_hold, alice, seeker_a, posting_c):
    disclosure = issue_in_person(seeker_a, alice, posting_c).disclosure
    services.personal_data_erase(before=disclosure.created_at + datetime.timedelta(seconds=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.filter(pk=disclosure.pk).update(seeker_name="山田 花子")


def test_a_result_received_for_a_letter_without_a_my_page_is_erased_too(
    no_hold, alice, seeker_a, koriyama, settings
):
    """Issue 20: no disclosure holds it, so the retention reaches the result itself."""
    from tests import factories

    settings.RETENTION_DAYS = 365
    posting = factories.JobPostingFactory(
        establishment=factories.EstablishmentFactory(office=koriyama, has_mypage=False)
    )
    with time_machine.travel(T0, tick=False):
        old = issue_in_person(seeker_a, alice, posting)
        services.selection_result_receive(
            referral=old,
            staff=alice,
            route="fax",
            given_by="総務 田中",
            result="not_hired",
            conditions_differ=True,
            conditions_difference="賃金が求人票より低い",
        )
    with time_machine.travel(T0 + datetime.timedelta(days=300), tick=False):
        assert services.personal_data_erase(before=services.retention_cutoff()).results == 0
    with time_machine.travel(T0 + datetime.timedelta(days=400), tick=False):
        out = io.StringIO()
        call_command("erase_expired_personal_data", stdout=out)
        assert "1 selection results received at the counter" in out.getvalue()
    result = SelectionResult.objects.get()
    assert (result.conditions_differ, result.conditions_difference) == (True, "")
    assert result.erased_at is not None
    assert AuditEvent.objects.filter(action="retention.selection_results_erased").count() == 1
