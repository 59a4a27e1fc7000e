"""The bench's issuance step outside its timings: one issue's statements are captured
through the services without keeping anything, and replayed as SQL without keeping
anything either. (Nothing here times anything: the figures come from `make bench`.)"""

import pytest
from django.db import connection

from bench import bounds, issuance
from bench.sessions import Pair
from hellowork.models import AuditEvent
from referrals.models import Consultation, Disclosure, ReferralLetter

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(seeker_a, posting_d):
    return Pair(
        seeker_id=seeker_a.pk,
        birth_date=seeker_a.birth_date,
        posting_id=posting_d.pk,
        posting_number=posting_d.number,
    )


def _kept() -> tuple[int, int, int, int]:
    return (
        Consultation.objects.count(),
        ReferralLetter.objects.count(),
        Disclosure.objects.count(),
        AuditEvent.objects.count(),
    )


def test_one_issue_s_statements_are_captured_to_the_disclosure_and_nothing_is_kept(alice, pair):
    before = _kept()

    statements = issuance.statements_through_services(alice, pair)

    sqls = [sql for sql, _, _ in statements]
    # The whole issue ran: the last service wrote the disclosure.
    assert any(sql.startswith('INSERT INTO "referrals_disclosure"') for sql in sqls)
    # Each service's transaction became a savepoint, which the count leaves out.
    assert any(sql.startswith("SAVEPOINT") for sql in sqls)
    assert 0 < bounds.rule_statements(sqls) < len(sqls)
    assert _kept() == before


def test_the_replays_run_every_statement_and_keep_nothing(alice, pair):
    statements = issuance.statements_through_services(alice, pair)
    reads_and_writes = bounds.rule_statements([sql for sql, _, _ in statements])
    before = _kept()
    replayed: list[str] = []

    def count(execute, sql, params, many, context):
        replayed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        per_second = issuance.replay_per_second(statements, 2)

    assert per_second > 0
    assert bounds.rule_statements(replayed) == 2 * reads_and_writes
    assert _kept() == before
