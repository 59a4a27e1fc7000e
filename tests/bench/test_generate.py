"""The benchmark's data generator at a tiny N: its rows must satisfy every constraint and
rule the application relies on, and the audit chain it computes must verify. (The bench
itself is not a test: nothing here times anything.)"""

import pytest
from django.db import connection
from django.db.models import Count, F, Q

from bench.generate import Scale, generate, load_registry
from hellowork import audit, db_roles
from hellowork.models import AuditEvent, EmployerMember, StaffRole
from referrals import selectors
from referrals.models import (
    Confirmation,
    Disclosure,
    ReferralLetter,
    ReferralStatus,
    SelectionResult,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def as_the_owner():
    """The generator writes as the database's owner (it sets sequences: the application's
    role may not; hellowork.db_roles), so these run as the owner, with committed rows."""
    with db_roles.as_owner():
        yield


def test_the_generated_rows_hold_the_constraints_and_the_chain_verifies():
    summary = generate(rows=300, progress=False)

    assert summary.referrals == ReferralLetter.objects.count() == 300
    connection.check_constraints()  # the deferred foreign keys too
    checked, broken = audit.verify()
    assert broken is None
    assert checked == AuditEvent.objects.count() == summary.audit_events
    # Each issued letter rests on a confirmation; each disclosure on an issued (or
    # voided-within-the-hold) letter of an establishment with a my page.
    issued = ReferralLetter.objects.filter(status=ReferralStatus.ISSUED)
    assert issued.exists()
    assert not issued.filter(confirmation__isnull=True).exists()
    assert not Disclosure.objects.filter(establishment__has_mypage=False).exists()
    assert not Disclosure.objects.exclude(
        establishment=F("referral__posting__establishment")
    ).exists()
    assert not Disclosure.objects.filter(
        recalled_at__isnull=True, referral__status=ReferralStatus.VOIDED
    ).exists()
    # Nobody checks their own work; approvals come from a supervisor of the same office.
    approvals = Confirmation.objects.filter(method="approval")
    assert approvals.exists()
    assert not approvals.filter(confirmer_staff=F("maker")).exists()
    assert not approvals.exclude(
        confirmer_staff__role__in=[StaffRole.SUPERVISOR, StaffRole.MANAGER],
        confirmer_staff__office=F("referral__consultation__office"),
    ).exists()
    # One letter per seeker and posting.
    assert not (
        ReferralLetter.objects.values("consultation__seeker", "posting")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert SelectionResult.objects.exists()
    # The snapshot's referral date is the issue date.
    assert not Disclosure.objects.filter(~Q(referral_code=F("referral__code"))).exists()


def test_a_second_call_adds_rows_and_continues_the_chain():
    generate(rows=200, progress=False)
    first_events = AuditEvent.objects.count()
    summary = generate(rows=260, progress=False)

    assert summary.added == 60
    assert ReferralLetter.objects.count() == 260
    assert AuditEvent.objects.count() > first_events
    connection.check_constraints()
    assert audit.verify()[1] is None


def test_the_very_large_establishments_fill_up_first_and_show_on_the_my_page():
    generate(rows=200, progress=False)
    registry = load_registry()
    quotas = Scale(200).featured_quotas()
    largest = registry.featured[0]
    member = (
        EmployerMember.objects.filter(establishment_id=largest)
        .select_related("establishment", "user")
        .first()
    )
    visible = selectors.applicants_for_member(member=member).count()
    assert 0 < visible <= quotas[0]

    generate(rows=300, progress=False)  # more rows: none of them for the very large ones
    assert selectors.applicants_for_member(member=member).count() == visible
