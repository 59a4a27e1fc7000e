"""Every list page costs a fixed number of queries (DESIGN.md section 7): the same with one
row as with many, and the number written here. A page whose cost grows with its rows
fails at "many"; a page that turns uniformly heavier (a query added for every request)
fails at both, where a 1-versus-50 comparison alone would pass.

Each page is reached by its URL name (reverse), as the persona who uses it, after a first
request that warms the session. When a count changes on purpose, write the new one."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hellowork import services as registry_services
from referrals import services
from referrals.services import incidents
from tests import factories
from tests.conftest import client_for
from tests.employer_portal.helpers import applicants
from tests.referrals.helpers import called_draft, consult, issue_in_person, pending, retract

MANY = 50


class People(dict):
    """The personas and fixtures a row maker asks for, made on first use."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        super().__init__()
        self.request = request

    def __missing__(self, name: str) -> Any:
        self[name] = self.request.getfixturevalue(name)
        return self[name]


def _seeker(people: People, **fields: Any):
    return factories.JobSeekerFactory(office=people["koriyama"], **fields)


def _posting(people: People):
    return factories.JobPostingFactory(establishment=people["establishment_c"])


def _issued(people: People, posting=None):
    return issue_in_person(_seeker(people), people["alice"], posting or _posting(people))


# -- the rows of each page: `rows(people, n)` makes n of them, returns the URL's args ----


def consultations_today(people: People, n: int) -> None:
    for _ in range(n):
        consult(_seeker(people), people["alice"])


def seekers_found(people: People, n: int) -> None:
    for _ in range(n):
        _seeker(people, kana="イトウ ジロウ")


def seeker_consultations(people: People, n: int) -> tuple:
    seeker = people["seeker_a"]
    consult(seeker, people["alice"])
    for _ in range(n - 1):
        consult(seeker, factories.StaffMemberFactory(office=people["koriyama"]))
    return (seeker.pk,)


def interests_and_drafts(people: People, n: int) -> tuple:
    postings = [_posting(people) for _ in range(n)]
    consultation = consult(people["seeker_a"], people["alice"], apply=postings)
    for posting in postings:
        called_draft(consultation=consultation, posting=posting, staff=people["alice"])
    return (consultation.pk,)


def waiting_approval(people: People, n: int) -> None:
    for _ in range(n):
        pending(_seeker(people), people["alice"], _posting(people))
    # and the retractions waiting for a second supervisor, the queue's other half
    for _ in range(n):
        referral = _issued(people)
        services.referral_retract(referral=referral, staff=people["alice"], reason="誤り")


def alerts(people: People, n: int) -> None:
    people["settings"].CODE_CHECK_LIMIT_PER_MEMBER = 1000
    people["settings"].CODE_CHECK_LIMIT_PER_ESTABLISHMENT = 1000
    code = people["applicant_c"].referral_code
    for _ in range(n):  # each mismatch of establishment D's member is an alert
        services.code_check(member=people["erin"], code=code)


def incidents_made(people: People, n: int) -> None:
    for _ in range(n):
        retract(_issued(people), requester=people["alice"], supervisor=people["bob"])


def issued_letters(people: People, n: int) -> None:
    for _ in range(n):
        _issued(people)


def displays(people: People, n: int) -> None:
    for number in range(n):
        factories.CounterDisplayFactory(office=people["koriyama"], label=f"窓口{number}")


def check_sheet_items(people: People, n: int) -> None:
    for number in range(n):
        incidents.self_inspection_item_create(
            by=people["root"], values={"text": f"点検項目{number}", "order": 1000 + number}
        )


def applicants_of_c(people: People, n: int) -> None:
    applicants(n, staff=people["alice"], posting=people["posting_c"])


def notices_of_c(people: People, n: int) -> None:
    for _ in range(n):
        retract(
            _issued(people, people["posting_c"]),
            requester=people["alice"],
            supervisor=people["bob"],
        )


def members_of_c(people: People, n: int) -> None:
    for number in range(n):
        registry_services.employer_member_add(
            by=people["dave"], email=f"member{number}@asahi.example.jp", name=f"社員 {number}"
        )


def offices_of_the_bureau(people: People, n: int) -> None:
    bureau = people["manager"].office.bureau
    for code in ("0702", "0703", "0705", "0706", "0707", "0708")[: n - 1]:
        office = factories.OfficeFactory(code=code, bureau=bureau)
        factories.StaffMemberFactory(office=office)


@dataclass(frozen=True)
class ListPage:
    url_name: str
    persona: str
    rows: Callable[[People, int], tuple | None]
    queries: int  # the page's whole cost, at one row and at `many`
    many: int = MANY
    post: dict[str, str] = field(default_factory=dict)  # a search is posted (rule 10)


PAGES = [
    # the counter
    ListPage("counter_home", "alice", consultations_today, 7),
    ListPage("seeker_search", "alice", seekers_found, 6, post={"q": "いとう"}),
    ListPage("seeker_detail", "alice", seeker_consultations, 11),  # shows the last 20
    ListPage("consultation_detail", "alice", interests_and_drafts, 11),
    ListPage("self_inspection", "alice", check_sheet_items, 6),
    # the supervisor's
    ListPage("approval_queue", "bob", waiting_approval, 12),
    ListPage("alert_list", "bob", alerts, 9),
    ListPage("incident_list", "bob", incidents_made, 6),
    ListPage("dashboard", "bob", issued_letters, 28),
    ListPage("quarterly_report", "bob", incidents_made, 13),
    ListPage("display_list", "bob", displays, 6),
    ListPage("dashboard_bureau", "manager", offices_of_the_bureau, 23, many=7),
    # the employer's my page (dave: establishment C's primary member)
    ListPage("mypage_home", "dave", applicants_of_c, 9),  # 10 filtered by result
    ListPage("mypage_notices", "dave", notices_of_c, 7),
    ListPage("mypage_members", "dave", members_of_c, 6, many=9),  # ten logins at most
]


def page_cost(client, page: ListPage, args: tuple | None) -> int:
    url = reverse(page.url_name, args=args or ())

    def get():
        return client.post(url, page.post) if page.post else client.get(url)

    get()  # the session's first activity stamp is written once; then it is stable
    with CaptureQueriesContext(connection) as context:
        response = get()
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("size", ["one", "many"])
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_name)
def test_a_list_page_costs_its_number_of_queries(page, size, request, db, no_hold):
    people = People(request)
    args = page.rows(people, 1 if size == "one" else page.many)
    client = client_for(people[page.persona].user)
    assert page_cost(client, page, args) == page.queries
