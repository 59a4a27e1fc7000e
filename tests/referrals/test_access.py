"""referrals.access: a missing record and another office's or establishment's are the same
404, and the view modules read nothing but through access helpers and selectors."""

import ast
import uuid
from pathlib import Path

import pytest
from django.http import Http404

from referrals import access
from tests.employer_portal.helpers import applicants
from tests.referrals.helpers import issue_in_person, pending

ROOT = Path(__file__).resolve().parents[2]
MISSING = 2**31 - 1


def test_a_referral_of_another_office_is_missing_alike(alice, carol, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    assert access.access_referral_for_staff(alice, referral.pk) == referral
    for staff, pk in ((carol, referral.pk), (alice, MISSING)):
        with pytest.raises(Http404):
            access.access_referral_for_staff(staff, pk)
    with pytest.raises(Http404):
        access.access_consultation_for_staff(carol, referral.consultation_id)


def test_only_a_waiting_referral_is_in_the_approval_queue(
    alice, bob, seeker_a, posting_c, posting_d
):
    waiting = pending(seeker_a, alice, posting_d)
    issued = issue_in_person(seeker_a, alice, posting_c)
    assert access.access_pending_referral_for_staff(bob, waiting.pk) == waiting
    with pytest.raises(Http404):
        access.access_pending_referral_for_staff(bob, issued.pk)


def test_only_the_seekers_own_office_protects_them(alice, carol, seeker_a):
    assert access.access_seeker_for_staff(carol, seeker_a.pk) == seeker_a  # any office serves
    assert access.access_own_office_seeker_for_staff(alice, seeker_a.pk) == seeker_a
    for staff, pk in ((carol, seeker_a.pk), (alice, MISSING)):
        with pytest.raises(Http404):
            access.access_own_office_seeker_for_staff(staff, pk)


def test_an_applicant_of_another_establishment_is_missing_alike(
    no_hold, alice, dave, erin, posting_c
):
    [applicant] = applicants(1, staff=alice, posting=posting_c)
    assert access.access_applicant_for_member(dave, applicant.public_id) == applicant
    for member, public_id in ((erin, applicant.public_id), (dave, uuid.uuid4())):
        with pytest.raises(Http404):
            access.access_applicant_for_member(member, public_id)


def view_modules() -> list[Path]:
    found = [
        *ROOT.glob("counter/views/*.py"),
        ROOT / "employer_portal" / "views.py",
    ]
    return [path for path in found if path.exists()]


def test_views_read_only_through_access_helpers_and_selectors():
    """No `Model.objects` and no `.filter(` in a view module: a query built there would
    escape the scoping rules of referrals.access and referrals.selectors."""
    offences = []
    for path in view_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("objects", "filter", "exclude"):
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert len(view_modules()) > 10
    assert offences == []
