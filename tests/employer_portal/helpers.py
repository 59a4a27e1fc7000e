"""Short paths for the my-page tests."""

from referrals.models import Disclosure
from tests import factories
from tests.referrals.helpers import issue_in_person


def applicants(count, *, staff, posting) -> list[Disclosure]:
    """`count` new seekers referred to `posting` through the services (set the hold to 0
    to see them at once)."""
    rows = []
    for _ in range(count):
        seeker = factories.JobSeekerFactory(office=staff.office)
        rows.append(issue_in_person(seeker, staff, posting).disclosure)
    return rows
