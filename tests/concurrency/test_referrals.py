"""Races that only a real database with row locks can show (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from referrals import services
from referrals.models import Alert, Confirmation, Disclosure, DisplayReadback, ReferralLetter
from tests import factories
from tests.referrals.helpers import called_draft, consult, desk_display, pending, seeker_confirms

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def race(calls):
    """Runs the calls at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except (ValidationError, PermissionDenied) as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_supervisors_approving_at_once_give_one_approval_and_one_disclosure(
    alice, seeker_a, posting_c, koriyama
):
    referral = pending(seeker_a, alice, posting_c)
    supervisors = [
        factories.StaffMemberFactory(office=koriyama, role="supervisor") for _ in range(4)
    ]
    outcomes = race(
        [
            lambda s=s: services.referral_approve(
                referral=referral,
                supervisor=s,
                stated_posting_number=posting_c.number,
                source="callback",
            )
            for s in supervisors
        ]
    )
    assert outcomes.count("ok") == 1
    assert all(isinstance(o, ValidationError) for o in outcomes if o != "ok")
    assert Confirmation.objects.count() == 1
    assert Disclosure.objects.count() == 1
    assert ReferralLetter.objects.get().status == "issued"


def test_a_double_submitted_confirmation_issues_once(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    seeker_confirms(referral, alice)
    confirm = lambda: services.referral_confirm_in_session(  # noqa: E731
        referral=referral, staff=alice, posting_digits="5678"
    )
    outcomes = race([confirm, confirm, confirm])
    assert outcomes.count("ok") == 1
    codes = list(ReferralLetter.objects.values_list("code", flat=True))
    assert len(codes) == 1 and codes[0]
    assert Disclosure.objects.count() == 1


def test_a_void_racing_an_approval_leaves_one_consistent_outcome(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    outcomes = race(
        [
            lambda: services.referral_approve(
                referral=referral,
                supervisor=bob,
                stated_posting_number=posting_c.number,
                source="callback",
            ),
            lambda: services.referral_void(referral=referral, staff=alice, reason="辞退"),
        ]
    )
    referral.refresh_from_db()
    assert referral.status == "voided"  # the void succeeds either way: within the hold
    if outcomes[0] == "ok":  # approved first: the void then recalled the disclosure
        assert Disclosure.objects.get().recalled_at is not None
        assert referral.code
    else:  # voided first: nothing was issued
        assert isinstance(outcomes[0], ValidationError)
        assert not Confirmation.objects.exists() and referral.code is None


def test_concurrent_audit_appends_keep_one_chain(alice, koriyama):
    from hellowork import audit
    from hellowork.models import AuditEvent
    from tests.db_owner import seal_audit_trail

    seekers = [factories.JobSeekerFactory(office=koriyama) for _ in range(6)]
    desk = desk_display(koriyama)
    outcomes = race(
        [
            lambda s=s: services.consultation_open(
                seeker=s, staff=alice, in_person=True, display=desk
            )
            for s in seekers
        ]
    )
    assert outcomes.count("ok") == 6
    seal_audit_trail()  # the sealer chains what the six appended at once, without a lock
    checked, broken = audit.verify()
    assert broken is None and checked >= 6
    assert AuditEvent.objects.filter(hash__isnull=True).count() == 0


def test_wrong_digits_typed_at_once_still_lock_at_the_third(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    seeker_confirms(referral, alice)
    wrong = lambda: services.referral_confirm_in_session(  # noqa: E731
        referral=referral, staff=alice, posting_digits="0000"
    )
    outcomes = race([wrong, wrong, wrong])
    assert all(isinstance(o, ValidationError) for o in outcomes)
    referral.refresh_from_db()
    assert referral.locked_at is not None
    assert Alert.objects.filter(kind="referral_locked", referral=referral).count() == 1
    with pytest.raises(ValidationError, match="承認"):
        services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits="5678")


def test_the_seeker_and_a_newer_read_back_at_once_leave_one_answer(
    alice, seeker_a, posting_c, posting_d
):
    consultation = consult(seeker_a, alice, apply=[posting_c, posting_d])
    first = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    second = called_draft(consultation=consultation, posting=posting_d, staff=alice)
    readback = services.display_show(referral=first, staff=alice)
    outcomes = race(
        [
            lambda: services.display_seeker_confirm(
                display=readback.display, referral=first, seeker_birth_date=seeker_a.birth_date
            ),
            lambda: services.display_show(referral=second, staff=alice),
        ]
    )
    assert outcomes[1] == "ok"
    readback.refresh_from_db()
    # Either the seeker answered first (then the read-back was answered, not cleared) or the
    # newer one took it off first (then the answer was refused): never both.
    assert (readback.answered_at is None) != (readback.cleared_at is None)
    assert (outcomes[0] == "ok") == (readback.answer == "confirmed")
    assert DisplayReadback.objects.filter(answered_at=None, cleared_at=None).count() == 1
