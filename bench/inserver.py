"""Pages timed inside the server, and the queries each one makes.

Django's test client runs the whole request in this process (every middleware, the view,
the template, the audit event) without a network or a WSGI server, so its time is the
server's time for the page. It runs with the production settings the bench is started
with (DJANGO_DEBUG=0), against whatever database the default connection points at.
"""

import cProfile
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext

from bench.sessions import Clerk, Employer, Pair
from hellowork.models import StaffMember
from referrals import services
from referrals.models import ReferralLetter


@dataclass
class PageTiming:
    page: str
    count: int
    p50_ms: float
    p95_ms: float
    queries: int  # the same on every request of the page, or the largest seen
    queries_vary: bool
    samples: list[float] = field(default_factory=list, repr=False)
    # CPU of this process per request (median, ms): the app's share without PostgreSQL's,
    # and less disturbed by other work on the machine than the wall time.
    cpu_ms: float = 0.0
    cpu_samples: list[float] = field(default_factory=list, repr=False)
    # The SQL of the last request timed (bench.profile --queries prints it).
    last_queries: list[str] = field(default_factory=list, repr=False)


# One request handler for every client, as a gunicorn worker has one: a test client's own
# handler loads the middleware chain on its first request (WhiteNoise then scans every
# static file), which production does once per worker, not once per person. Before
# issue 18 each of the bench's 64 employers had its own, and most timed lists paid for it.
_HANDLER = ClientHandler(enforce_csrf_checks=False)


def client_with(session: str, csrf: str = "") -> Client:
    client = Client()
    client.handler = _HANDLER
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    if csrf:
        client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    return client


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# Unmeasured requests before each timing, on a connection that may be new (the list's
# flatness switches databases every 20 requests, which reconnects). psycopg prepares a
# statement at its 6th run on a connection, and PostgreSQL plans a prepared statement anew
# for its first 5 executions before settling on a generic plan: until a query shape's 11th
# run a request pays the planner. A gunicorn worker's connection lives CONN_MAX_AGE (60 s,
# thousands of requests), so its requests are the later ones (issue 18).
WARM_UP = 12


def time_page(
    page: str,
    request: Callable[[int], tuple[Client, str, dict[str, str] | None, int]],
    count: int,
    *,
    profiler: cProfile.Profile | None = None,
) -> PageTiming:
    """Calls `request(i)` -> (client, path, POST data or None, expected status) `count`
    times after a few unmeasured ones, timing each (wall and this process's CPU) and
    counting its queries. With `profiler`, only the requests themselves are profiled."""
    for i in range(min(WARM_UP, count)):  # warm the caches (templates, prepared statements)
        client, path, data, expected = request(-1 - i)
        response = client.post(path, data) if data is not None else client.get(path)
    times, cpu, queries = [], [], set()
    for i in range(count):
        client, path, data, expected = request(i)
        with CaptureQueriesContext(connection) as captured:
            if profiler is not None:
                profiler.enable()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.post(path, data) if data is not None else client.get(path)
            elapsed, used = time.perf_counter() - started, time.process_time() - started_cpu
            if profiler is not None:
                profiler.disable()
        if response.status_code != expected:
            raise RuntimeError(f"{page}: {path} answered {response.status_code}, not {expected}")
        times.append(elapsed * 1000)
        cpu.append(used * 1000)
        queries.add(len(captured))
    return PageTiming(
        page,
        count,
        round(statistics.median(times), 2),
        round(_percentile(times, 0.95), 2),
        max(queries),
        len(queries) > 1,
        times,
        round(statistics.median(cpu), 2),
        cpu,
        [q["sql"] for q in captured.captured_queries],
    )


def applicant_list(
    employers: list[Employer], count: int, *, profiler: cProfile.Profile | None = None
) -> PageTiming:
    """The my page's applicant list (page 1), round-robin over the given members."""
    clients = [client_with(e.session) for e in employers]
    return time_page(
        "applicant_list",
        lambda i: (clients[i % len(clients)], "/mypage/", None, 200),
        count,
        profiler=profiler,
    )


def interleaved_lists(
    sides: list[tuple[str, list[Employer]]], count: int, *, block: int = 20
) -> list[PageTiming]:
    """The applicant list timed on several databases in alternating blocks of `block`
    requests, so that whatever else the machine does weighs on each the same. Each entry
    of `sides` is (database name, members with sessions in that database)."""
    from bench import database

    times: list[list[float]] = [[] for _ in sides]
    cpu: list[list[float]] = [[] for _ in sides]
    queries: list[set[int]] = [set() for _ in sides]
    # One client per member, made once: a new test client loads the middleware chain again
    # on its first request, which would be timed as if it were the page.
    clients = [[client_with(e.session) for e in employers] for _, employers in sides]
    while any(len(t) < count for t in times):
        for i, (name, _) in enumerate(sides):
            database.use(name)
            timing = time_page(
                "applicant_list",
                lambda j, c=clients[i]: (c[j % len(c)], "/mypage/", None, 200),
                min(block, count - len(times[i])),
            )
            times[i].extend(timing.samples)
            cpu[i].extend(timing.cpu_samples)
            queries[i].add(timing.queries)
    return [
        PageTiming(
            "applicant_list",
            len(t),
            round(statistics.median(t), 2),
            round(_percentile(t, 0.95), 2),
            max(q),
            len(q) > 1,
            t,
            round(statistics.median(c), 2),
            c,
        )
        for t, c, q in zip(times, cpu, queries, strict=True)
    ]


PAGES = (
    "applicant_list",
    "applicant_detail",
    "consultation",
    "issuance_screen",
    "issuance_confirm",
)


def measure_pages(
    employers: list[Employer],
    clerk: Clerk,
    pairs: list[Pair],
    count: int,
    rng: random.Random,
    *,
    profilers: dict[str, cProfile.Profile] | None = None,
) -> list[PageTiming]:
    """Every page of the load's mix (`PAGES`): the list, an applicant, a consultation, and
    the two requests of an issue that render or decide (the issuance screen and its
    confirm). `profilers`, by page name, profile those pages' requests (bench.profile)."""
    profilers = profilers or {}
    timings = [applicant_list(employers, count, profiler=profilers.get("applicant_list"))]
    clients = [client_with(e.session) for e in employers]
    with_applicants = [(c, e) for c, e in zip(clients, employers, strict=True) if e.applicants]

    def detail(_: int) -> tuple[Client, str, None, int]:
        client, employer = rng.choice(with_applicants)
        return client, f"/mypage/applicants/{rng.choice(employer.applicants)}/", None, 200

    timings.append(
        time_page("applicant_detail", detail, count, profiler=profilers.get("applicant_detail"))
    )
    counter = client_with(clerk.session, clerk.csrf)
    timings.append(
        time_page(
            "consultation",
            lambda _: (
                counter,
                f"/counter/consultations/{rng.choice(clerk.consultations)}/",
                None,
                200,
            ),
            count,
            profiler=profilers.get("consultation"),
        )
    )

    # An issue is five requests; the screen and the confirm are timed, the three steps
    # before them (open, record the interest, draft) are made untimed for each.
    drafts: list[tuple[int, Pair]] = []
    for pair in pairs:
        drafts.append((_draft(counter, pair, clerk.display_id), pair))
    screen = iter(drafts)
    timings.append(
        time_page(
            "issuance_screen",
            lambda _: (counter, f"/counter/referrals/{next(screen)[0]}/", None, 200),
            min(count, len(drafts) - WARM_UP),
            profiler=profilers.get("issuance_screen"),
        )
    )
    # The seeker's answer on the display is made untimed, through the services, for each.
    clerk_staff = StaffMember.objects.select_related("user").get(pk=clerk.staff_id)
    for referral_id, pair in drafts:
        referral = ReferralLetter.objects.get(pk=referral_id)
        readback = services.display_show(referral=referral, staff=clerk_staff)
        services.display_seeker_confirm(
            display=readback.display, referral=referral, seeker_birth_date=pair.birth_date
        )
    confirm = iter(drafts)

    def confirm_request(_: int) -> tuple[Client, str, dict[str, str], int]:
        referral_id, pair = next(confirm)
        data = {"seeker": str(pair.seeker_id), "posting_digits": pair.digits}
        return counter, f"/counter/referrals/{referral_id}/confirm/", data, 302

    timings.append(
        time_page(
            "issuance_confirm",
            confirm_request,
            min(count, len(drafts) - WARM_UP),
            profiler=profilers.get("issuance_confirm"),
        )
    )
    return timings


def _draft(client: Client, pair: Pair, display_id: int) -> int:
    """Open a consultation at the desk's display, record "apply", draft and record the call
    to the employer (issue 20), as the counter's pages do."""
    seeker = str(pair.seeker_id)
    response = client.post(
        f"/counter/seekers/{seeker}/consultations/",
        {"seeker": seeker, "in_person": "1", "display": str(display_id)},
    )
    consultation = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    response = client.post(
        f"/counter/consultations/{consultation}/interests/",
        {"seeker": seeker, "posting_number": pair.posting_number, "decision": "apply"},
    )
    assert response.status_code == 302, response.status_code
    response = client.post(
        f"/counter/consultations/{consultation}/referrals/",
        {"seeker": seeker, "posting": str(pair.posting_id)},
    )
    assert response.status_code == 302, response.status_code
    referral = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    response = client.post(
        f"/counter/referrals/{referral}/call/",
        {"seeker": seeker, "outcome": "accepting", "contact_person": "bench"},
    )
    assert response.status_code == 302, response.status_code
    return referral
