"""`python -m bench.explain`: EXPLAIN (ANALYZE, BUFFERS) of every query the measured
pages make, on the bench's database as the last run left it (the plans recorded in
docs/PERFORMANCE.md come from here).

It requests each page once through the test client, as a member of the largest
establishment and a clerk, captures the SQL, and explains each SELECT (writes and the
session and login lookups by primary key are listed, not explained).

`--before` does the same with the indexes as they were before
referrals/0003_performance_indexes (inside a transaction that is rolled back), for the
"before" plans. Page names as arguments restrict the output to those pages.
"""

import os
import random
import re
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hellowork.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    before = "--before" in sys.argv
    only = {arg for arg in sys.argv[1:] if not arg.startswith("--")}
    with transaction.atomic():
        if before:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX disclosure_visible_list")
                cursor.execute("DROP INDEX referral_issued")
                cursor.execute(
                    "CREATE INDEX disclosure_estab_visible ON referrals_disclosure"
                    " (establishment_id, visible_at DESC)"
                )
                cursor.execute("ANALYZE referrals_disclosure")
        _explain(only)
        transaction.set_rollback(True)  # nothing of this stays: not the events, not the DDL


def _explain(only: set[str]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import inserver, sessions

    rng = random.Random(8)
    employers = sessions.employers(6, rng=rng)
    largest = next(e for e in employers if e.member_id == sessions.featured_members()[0].pk)
    clerk = sessions.clerks(1)[0]
    staff_client = inserver.client_with(clerk.session, clerk.csrf)
    employer_client = inserver.client_with(largest.session)
    pages = {
        "applicant_list": (employer_client, "/mypage/"),
        "applicant_detail": (employer_client, f"/mypage/applicants/{largest.applicants[0]}/"),
        "consultation": (staff_client, f"/counter/consultations/{clerk.consultations[0]}/"),
    }
    trivial = re.compile(
        r'FROM "(django_session|hellowork_user|otp_\w+)"|^(INSERT|UPDATE|SAVEPOINT|RELEASE)'
    )
    for page, (client, path) in pages.items():
        if only and page not in only:
            continue
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        print(f"\n=== {page}: GET {path} ({len(captured)} queries)")
        for query in captured:
            sql = query["sql"]
            if (
                trivial.search(sql)
                or not sql.lstrip().upper().startswith("SELECT")
                or "pg_advisory" in sql
            ):
                print(f"\n-- {sql[:160]}")
                continue
            print(f"\n-- {sql}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                for (line,) in cursor.fetchall():
                    print(line)


if __name__ == "__main__":
    main()
