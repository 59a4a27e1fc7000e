"""Who gets what on every counter URL: anonymous users, employer accounts, staff of another
office, clerks on supervisor screens, and the wrong HTTP method."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import services
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import called_draft, consult, issue_in_person, pending

GET, POST = "get", "post"


@pytest.fixture
def world(alice, seeker_a, posting_c, posting_d):
    issued = issue_in_person(seeker_a, alice, posting_c)
    waiting = pending(seeker_a, alice, posting_d)
    return {
        "seeker": seeker_a,
        "consultation": issued.consultation,
        "referral": issued,
        "pending": waiting,
    }


def urls(world):
    consultation, referral, waiting, seeker = (
        world["consultation"].pk,
        world["referral"].pk,
        world["pending"].pk,
        world["seeker"].pk,
    )
    return [
        (GET, reverse("counter_home"), "office"),
        (POST, reverse("seeker_search"), "national"),
        (GET, reverse("seeker_detail", args=[seeker]), "national"),
        (POST, reverse("consultation_open", args=[seeker]), "national"),
        (GET, reverse("consultation_detail", args=[consultation]), "office"),
        (POST, reverse("interest_record", args=[consultation]), "office"),
        (POST, reverse("decision_change", args=[consultation]), "office"),
        (POST, reverse("note_update", args=[consultation]), "office"),
        (POST, reverse("referral_draft", args=[consultation]), "office"),
        (POST, reverse("consultation_close", args=[consultation]), "office"),
        (POST, reverse("consultation_merge", args=[consultation]), "office"),
        (GET, reverse("referral_detail", args=[referral]), "office"),
        (POST, reverse("referral_confirm", args=[referral]), "office"),
        (POST, reverse("referral_submit", args=[referral]), "office"),
        (POST, reverse("referral_void", args=[referral]), "office"),
        (GET, reverse("referral_letter", args=[referral]), "office"),
        (GET, reverse("approval_queue"), "supervisor"),
        (GET, reverse("approval_detail", args=[waiting]), "supervisor"),
        (POST, reverse("approval_approve", args=[waiting]), "supervisor"),
        (POST, reverse("approval_reject", args=[waiting]), "supervisor"),
    ]


def test_anonymous_users_are_sent_to_the_staff_login(client, world):
    for method, url, _scope in urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("staff_login")), url


def test_employer_accounts_are_refused_everywhere(world, dave):
    employer = client_for(dave.user)
    for method, url, _scope in urls(world):
        assert getattr(employer, method)(url).status_code == 403, url


def test_staff_of_another_office_find_nothing_of_this_one(world, carol):
    other_office = client_for(carol.user)
    for method, url, scope in urls(world):
        response = getattr(other_office, method)(url)
        if (
            scope == "national"
            or url == reverse("counter_home")
            or url == reverse("approval_queue")
        ):
            assert response.status_code in (200, 302, 400), url
        else:
            assert response.status_code == 404, url
        assert world["referral"].code not in response.text


def test_clerks_cannot_use_supervisor_screens(world, koriyama):
    clerk = client_for(factories.StaffMemberFactory(office=koriyama).user)
    for method, url, scope in urls(world):
        if scope == "supervisor":
            assert getattr(clerk, method)(url).status_code == 403, url


def test_the_wrong_method_is_refused(world, alice, bob):
    for method, url, scope in urls(world):
        user = bob if scope == "supervisor" else alice
        other = POST if method == GET else GET
        if url.endswith(f"approvals/{world['pending'].pk}/") or url == reverse("seeker_search"):
            continue  # these screens take both GET and POST
        response = getattr(client_for(user.user), other)(url.split("?")[0])
        assert response.status_code == 405, url


def count_queries(client, url):
    client.get(url)  # the session's first activity stamp is written once; then it is stable
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_approval_queue_costs_the_same_at_1_and_50_rows(alice, bob, koriyama):
    supervisor = client_for(bob.user)
    postings = [factories.JobPostingFactory(establishment__office=koriyama) for _ in range(50)]
    seekers = [factories.JobSeekerFactory(office=koriyama) for _ in range(50)]
    pending(seekers[0], alice, postings[0])
    one = count_queries(supervisor, reverse("approval_queue"))
    for seeker, posting in zip(seekers[1:], postings[1:], strict=True):
        pending(seeker, alice, posting)
    assert count_queries(supervisor, reverse("approval_queue")) == one


def test_the_consultation_page_costs_the_same_at_1_and_50_rows(alice, seeker_a, koriyama):
    counter = client_for(alice.user)
    postings = [factories.JobPostingFactory(establishment__office=koriyama) for _ in range(50)]
    consultation = consult(seeker_a, alice, apply=postings[:1])
    called_draft(consultation=consultation, posting=postings[0], staff=alice)
    url = reverse("consultation_detail", args=[consultation.pk])
    one = count_queries(counter, url)
    for posting in postings[1:]:
        services.interest_record(
            consultation=consultation, posting=posting, decision="apply", staff=alice
        )
        called_draft(consultation=consultation, posting=posting, staff=alice)
    assert count_queries(counter, url) == one
