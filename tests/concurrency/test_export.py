"""Exports made at the same moment by two establishments (PostgreSQL, threads: each request
on its own database connection, as two web workers would serve them). Job sites have
leaked one company's applicants into another's download through state shared between
requests; here each file must hold its own establishment's rows and nothing else."""

import csv
import io

import pytest
from django.db import connection

from hellowork.models import AuditEvent
from tests.concurrency.test_mypage import run_together
from tests.conftest import client_for
from tests.employer_portal.helpers import applicants

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"
    ),
]

EXPORT = "/mypage/applicants.csv"
ROUNDS = 5


def test_two_establishments_exporting_at_once_each_get_only_their_own(
    no_hold, alice, posting_c, posting_d, dave, erin
):
    own = {
        dave.establishment_id: {
            d.referral_code for d in applicants(12, staff=alice, posting=posting_c)
        },
        erin.establishment_id: {
            d.referral_code for d in applicants(9, staff=alice, posting=posting_d)
        },
    }
    members = [dave, erin, dave, erin]  # two browsers of each establishment
    clients = [client_for(member.user) for member in members]
    encodings = ["utf-8-sig", "cp932", "cp932", "utf-8-sig"]

    def work(i):
        files = []
        for _ in range(ROUNDS):
            response = clients[i].post(EXPORT, {"encoding": encodings[i]})
            assert response.status_code == 200, response.status_code
            rows = list(csv.reader(io.StringIO(response.content.decode(encodings[i]), newline="")))
            files.append({row[6] for row in rows[1:]})
        return files

    results = run_together(len(members), work)
    for member, files in zip(members, results, strict=True):
        assert not isinstance(files, BaseException), files
        assert len(files) == ROUNDS
        for codes in files:
            assert codes == own[member.establishment_id]
    events = AuditEvent.objects.filter(action="disclosure.exported")
    assert events.count() == len(members) * ROUNDS
    for event in events:
        expected = len(own[int(event.target_id)])
        assert event.detail["rows"] == expected == len(event.detail["disclosure_ids"])
