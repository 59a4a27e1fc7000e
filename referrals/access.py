"""The one place a view fetches the record its URL names (Zulip's `access_*` shape).

Every helper takes who is asking (a `StaffMember` for the counter, an `EmployerMember` for
the my page) and the id from the URL, reads through a scoped selector, and raises
`Http404` alike for a record that does not exist and for one the asker may not see
(another office's, another establishment's, no longer waiting): the answer never tells
which (DESIGN.md section 5, "a 404, not a 403").

`related` names extra `select_related` paths a page shows, so the page's query count is
the same as reading the scoped queryset with them.
"""

from collections.abc import Sequence
from uuid import UUID

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from hellowork import selectors as registry
from hellowork import services as registry_services
from hellowork.models import EmployerInvitation, EmployerMember, JobSeeker, StaffMember
from referrals import selectors
from referrals.models import (
    Alert,
    Consultation,
    CounterDisplay,
    Disclosure,
    Incident,
    IncidentTask,
    MisdeliveryReport,
    ReferralLetter,
    RetractionRequest,
)


def _one[M: Model](queryset: QuerySet[M], related: Sequence[str] = (), **lookup: object) -> M:
    if related:
        queryset = queryset.select_related(*related)
    return get_object_or_404(queryset, **lookup)


# The counter: every record of the staff member's office (selectors.*_for_staff).


def access_referral_for_staff(
    staff: StaffMember, pk: int, *, related: Sequence[str] = ()
) -> ReferralLetter:
    """A referral letter of the staff member's office, in any state."""
    return _one(selectors.referrals_for_staff(staff=staff), related, pk=pk)


def access_pending_referral_for_staff(staff: StaffMember, pk: int) -> ReferralLetter:
    """A referral of the office waiting for a supervisor (rule 4); any other state is a 404."""
    return _one(selectors.approval_queue(staff=staff), pk=pk)


def access_consultation_for_staff(staff: StaffMember, pk: int) -> Consultation:
    """A consultation of the staff member's office."""
    return _one(selectors.consultations_for_staff(staff=staff), pk=pk)


def access_consultation_page_for_staff(staff: StaffMember, pk: int) -> Consultation:
    """As `access_consultation_for_staff`, with everything the consultation page shows."""
    return _one(selectors.consultations_with_page_data(staff=staff), pk=pk)


def access_pending_retraction_for_staff(staff: StaffMember, pk: int) -> RetractionRequest:
    """A retraction request of the office waiting for a supervisor (rule 8)."""
    return _one(selectors.retraction_queue(staff=staff), pk=pk)


def access_alert_for_staff(staff: StaffMember, pk: int, *, related: Sequence[str] = ()) -> Alert:
    """An alert of the staff member's office, resolved or not."""
    return _one(selectors.alerts_for_staff(staff=staff), related, pk=pk)


def access_misdelivery_report_of_alert(alert: Alert) -> MisdeliveryReport:
    """The employer's report behind an alert fetched by `access_alert_for_staff`; an alert
    raised by anything else has none (404)."""
    return _one(selectors.misdelivery_reports_with_disclosure(), alert=alert)


def access_incident_for_staff(
    staff: StaffMember, pk: int, *, related: Sequence[str] = ()
) -> Incident:
    """An incident of the staff member's office."""
    return _one(selectors.incidents_for_staff(staff=staff), related, pk=pk)


def access_task_of_incident(incident: Incident, pk: int) -> IncidentTask:
    """A task of an incident fetched by `access_incident_for_staff`."""
    return _one(selectors.incident_tasks(incident=incident), pk=pk)


def access_display_for_staff(staff: StaffMember, pk: int) -> CounterDisplay:
    """A counter display of the staff member's office, retired or not."""
    return _one(selectors.displays_for_staff(staff=staff), pk=pk)


def access_seeker_for_staff(staff: StaffMember, pk: int) -> JobSeeker:
    """Any office's seeker: a clerk serves a seeker registered elsewhere too (the seeker
    search spans every office). `staff` is taken for the shape: every staff member may."""
    return _one(selectors.seekers_with_office(), pk=pk)


def access_own_office_seeker_for_staff(staff: StaffMember, pk: int) -> JobSeeker:
    """A seeker registered at the staff member's office (rule 13: only that office protects
    a seeker); another office's is a 404."""
    return _one(selectors.seekers_with_office(), pk=pk, office_id=staff.office_id)


# The my page: only the member's own establishment's records.


def access_applicant_for_member(member: EmployerMember, public_id: UUID) -> Disclosure:
    """An applicant the member's establishment may see now (`selectors.applicant_for_member`:
    issued, visible, not recalled, retracted or quarantined)."""
    return _one(selectors.applicant_for_member(member=member), public_id=public_id)


def access_quarantined_applicant_for_member(member: EmployerMember, public_id: UUID) -> Disclosure:
    """An applicant the establishment itself reported as unexpected, hidden until Hello Work
    decides (rule 11): for the notice that says so, never for the applicant's data."""
    return _one(selectors.quarantined_for_member(member=member), public_id=public_id)


def access_retraction_notice_for_member(member: EmployerMember, public_id: UUID) -> Disclosure:
    """An applicant withdrawn from the member's establishment (rule 8), for its notice."""
    return _one(selectors.retraction_notices_for(member=member), public_id=public_id)


def access_invitation_for_member(member: EmployerMember, pk: int) -> EmployerInvitation:
    """An invitation of the member's establishment still open."""
    return _one(registry_services.open_invitations(establishment=member.establishment), pk=pk)


def access_colleague_for_member(member: EmployerMember, pk: int) -> EmployerMember:
    """An active login of the member's establishment (the member included)."""
    return _one(registry.active_members_of(establishment=member.establishment), pk=pk)
