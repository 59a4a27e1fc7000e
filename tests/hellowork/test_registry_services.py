"""Registry writes through hellowork.services (DESIGN.md rule 13): each leaves an
AuditEvent with field names and never values, and a change that undercuts a live referral
(waiting for approval, or issued and still in its hold) raises a warning alert naming it;
a pending approval whose posting moved to another establishment waits for a new draft."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hellowork import services as registry
from hellowork.models import AuditEvent
from referrals import services
from referrals.models import Alert
from tests.referrals.helpers import (
    approve,
    called_draft,
    consult,
    digits_of,
    issue_in_person,
    pending,
    seeker_confirms,
)


def test_a_change_is_traced_by_field_names_only(root, seeker_a):
    registry.seeker_update(seeker=seeker_a, by=root, changes={"name": "山田 華子", "phone": "0249"})
    seeker_a.refresh_from_db()
    assert seeker_a.name == "山田 華子"
    event = AuditEvent.objects.get(action="registry.changed")
    assert event.actor == root and event.target_id == str(seeker_a.pk)
    assert event.detail == {"fields": ["name", "phone"]}
    assert "華子" not in str(event.detail) and "0249" not in str(event.detail)


def test_nothing_changed_writes_nothing(root, posting_c):
    registry.posting_update(posting=posting_c, by=root, changes={"title": posting_c.title})
    assert not AuditEvent.objects.filter(action="registry.changed").exists()


def test_only_someone_allowed_to_change_the_registry_may(alice, posting_c, establishment_d):
    with pytest.raises(PermissionDenied):
        registry.posting_update(
            posting=posting_c, by=alice.user, changes={"establishment": establishment_d}
        )


def test_numbers_and_unknown_fields_are_refused(root, posting_c):
    with pytest.raises(ValidationError):
        registry.posting_update(posting=posting_c, by=root, changes={"number": "07040-00000001"})


def test_a_posting_moved_under_a_pending_approval_warns_and_waits_for_a_new_draft(
    root, alice, frank, seeker_a, posting_c, establishment_d
):
    referral = pending(seeker_a, alice, posting_c)
    registry.posting_update(posting=posting_c, by=root, changes={"establishment": establishment_d})
    alert = Alert.objects.get(kind="registry_changed")
    assert alert.severity == "warning" and alert.referral == referral
    assert alert.detail == {
        "record": "jobposting",
        "record_id": posting_c.pk,
        "fields": ["establishment"],
    }
    for call in (
        lambda: services.approval_statement_check(
            referral=referral,
            supervisor=frank,
            stated_posting_number=posting_c.number,
            source="callback",
        ),
        lambda: approve(referral, frank),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert "作成し直して" in " ".join(refused.value.messages)
    referral.refresh_from_db()
    assert referral.status == "pending_approval"
    # The clerk drafts again, against the establishment as it is now: it goes through.
    services.referral_reject(referral=referral, supervisor=frank, reason="事業所変更")
    services.referral_void(referral=referral, staff=alice, reason="事業所変更のため作成し直し")
    again = pending(seeker_a, alice, posting_c)
    assert again.drafted_establishment == establishment_d
    approve(again, frank)
    assert again.disclosure.establishment == establishment_d


def test_a_posting_moved_after_an_in_person_draft_is_not_issued(
    root, alice, seeker_a, posting_c, establishment_d
):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    seeker_confirms(referral, alice)
    registry.posting_update(posting=posting_c, by=root, changes={"establishment": establishment_d})
    with pytest.raises(ValidationError):
        services.referral_confirm_in_session(
            referral=referral, staff=alice, posting_digits=digits_of(posting_c)
        )
    referral.refresh_from_db()
    assert referral.status == "draft"
    assert not Alert.objects.filter(kind="registry_changed").exists()  # a draft is not live


def test_a_posting_closed_while_its_disclosure_is_held_warns(root, alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    registry.posting_update(posting=posting_c, by=root, changes={"status": "closed"})
    alert = Alert.objects.get(kind="registry_changed")
    assert alert.referral == referral and alert.detail["fields"] == ["status"]


def test_a_disclosure_already_visible_is_not_live(root, alice, seeker_a, posting_c):
    issue_in_person(seeker_a, alice, posting_c)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        registry.posting_update(posting=posting_c, by=root, changes={"status": "closed"})
    assert not Alert.objects.exists()


def test_a_seekers_name_kana_or_birth_date_changed_under_a_pending_approval_warns_and_the_approval_settles_it(
    root, alice, frank, seeker_a, posting_c
):
    referral = pending(seeker_a, alice, posting_c)
    registry.seeker_update(seeker=seeker_a, by=root, changes={"phone": "024-000-0000"})
    assert not Alert.objects.exists()  # the phone is not what the employer is shown
    registry.seeker_update(
        seeker=seeker_a,
        by=root,
        changes={"kana": "ヤマダ ハナ", "birth_date": datetime.date(1990, 5, 18)},
    )
    alert = Alert.objects.get(kind="registry_changed")
    assert alert.detail["fields"] == ["birth_date", "kana"] and alert.referral == referral
    approve(referral, frank)
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.settled_by == "approved"
    assert referral.disclosure.seeker_kana == "ヤマダ ハナ"


def test_an_establishments_my_page_switched_with_a_disclosure_held_warns(
    root, alice, seeker_a, posting_c, establishment_c
):
    referral = issue_in_person(seeker_a, alice, posting_c)
    registry.establishment_update(
        establishment=establishment_c, by=root, changes={"has_mypage": False, "address": "郡山市"}
    )
    alert = Alert.objects.get(kind="registry_changed")
    assert alert.referral == referral and alert.detail["fields"] == ["has_mypage"]
    assert alert.office_id == referral.consultation.office_id
