"""Issues per second through the services, against raw psycopg doing the same inserts.

An in-person issue through the services is what the counter's pages and the desk's display
call, in order: consultation_open (at the office's display), interest_record (apply),
referral_draft, employer_call_record (the call to the employer, issue 20), display_show
(the read-back on the display), display_seeker_confirm (the seeker's birth date) and
referral_confirm_in_session, which issues the letter and creates the disclosure; each is a
transaction with its locks, its checks and its audit events (nine in all).

The raw floor writes the same rows in one transaction with plain SQL on its own psycopg
connection: the consultation, the interest, the letter (already issued), the call, the
read-back (already answered), the confirmation, the disclosure and the nine audit events,
each one INSERT, unsealed, as `audit.record` writes them since issue 18 (the sealer hashes
them later, off the request's path; nothing is read). A second raw variant splits the same
work into the services' seven transactions, to tell how much of the gap is the number of
commits and how much is everything else.

Both count their statements per issue (BEGIN, COMMIT and savepoints aside), for
bench.bounds. A third figure replays the services' statements of one issue, with their
parameters, through Django's cursor, one round trip each, with no Python around them and
no commit (each replay rolled back): what the database and the driver need for these
reads and writes alone. It flatters the services: it commits nothing where they commit
seven times, the deferred foreign keys are never checked, and the rows the captured issue
created are gone, so its locks and updates by id find nothing. SQL that merged statements
(one multi-row INSERT for the events, UPDATE ... RETURNING for a read then a write) is
not measured here.
"""

import datetime
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench import bounds
from bench.sessions import Pair
from hellowork.models import JobPosting, JobSeeker, StaffMember
from referrals import codes, services
from referrals.models import CounterDisplay


@dataclass
class IssuanceResult:
    issues: int
    services_per_s: float
    raw_per_s: float
    raw_split_per_s: float
    services_statements: int  # per issue, reads and writes (bench.bounds.rule_statements)
    raw_statements: int
    replayed_per_s: float  # the services' statements alone, as SQL (replay_per_second)


def desk_display(staff: StaffMember) -> CounterDisplay:
    """The office's display the generator paired (bench.generate makes one per office)."""
    return CounterDisplay.objects.filter(
        office_id=staff.office_id, paired_at__isnull=False, retired_at__isnull=True
    ).first() or CounterDisplay.objects.create(
        office_id=staff.office_id,
        label="bench",
        created_at=timezone.now(),
        created_by=staff,
        paired_at=timezone.now(),
        device_paired_at=timezone.now(),
        device_secret_digest="0" * 64,
    )


def through_services(staff: StaffMember, pairs: list[Pair]) -> float:
    """Issues per second through the seven service calls of an in-person issue."""
    seekers = JobSeeker.objects.in_bulk([p.seeker_id for p in pairs])
    postings = JobPosting.objects.in_bulk([p.posting_id for p in pairs])
    display = desk_display(staff)
    started = time.perf_counter()
    for pair in pairs:
        _issue(staff, display, seekers[pair.seeker_id], postings[pair.posting_id], pair)
    return len(pairs) / (time.perf_counter() - started)


Statement = tuple[str, Any, bool]  # SQL, its parameters, whether executemany


def statements_through_services(staff: StaffMember, pair: Pair) -> list[Statement]:
    """The statements of one issue through the services, each with its parameters, in
    order; the issue runs inside a transaction that is rolled back, so nothing is kept
    (each service's own transaction becomes a savepoint, among the statements)."""
    seeker = JobSeeker.objects.get(pk=pair.seeker_id)
    posting = JobPosting.objects.get(pk=pair.posting_id)
    display = desk_display(staff)
    statements: list[Statement] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params, many))
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.execute_wrapper(capture):
            _issue(staff, display, seeker, posting, pair)
        transaction.set_rollback(True)
    return statements


def replay_per_second(statements: list[Statement], issues: int) -> float:
    """Replays of one issue's reads and writes (transaction control left out) per second,
    through Django's cursor, one round trip each, each replay in one transaction rolled
    back."""
    rules = [statement for statement in statements if bounds.reads_or_writes(statement[0])]
    started = time.perf_counter()
    for _ in range(issues):
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params, many in rules:
                if many:
                    cursor.executemany(sql, params)
                    continue
                cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()
            transaction.set_rollback(True)
    return issues / (time.perf_counter() - started)


def _issue(
    staff: StaffMember,
    display: CounterDisplay,
    seeker: JobSeeker,
    posting: JobPosting,
    pair: Pair,
) -> None:
    consultation = services.consultation_open(
        seeker=seeker, staff=staff, in_person=True, display=display
    )
    services.interest_record(
        consultation=consultation, posting=posting, decision="apply", staff=staff
    )
    referral = services.referral_draft(consultation=consultation, posting=posting, staff=staff)
    services.employer_call_record(
        referral=referral, staff=staff, reached=True, accepting=True, contact_person="bench"
    )
    services.display_show(referral=referral, staff=staff)
    services.display_seeker_confirm(
        display=display, referral=referral, seeker_birth_date=pair.birth_date
    )
    services.referral_confirm_in_session(referral=referral, staff=staff, posting_digits=pair.digits)


class _CountingCursor(psycopg.Cursor[Any]):
    """Counts the raw issuer's statements (it commits through the connection, not here)."""

    executed = 0

    def execute(self, *args: Any, **kwargs: Any) -> "_CountingCursor":
        type(self).executed += 1
        return super().execute(*args, **kwargs)


class RawIssuer:
    """The same rows with plain SQL: what the database itself must do for an issue."""

    def __init__(self, staff: StaffMember) -> None:
        s = connection.settings_dict
        self.conn = psycopg.connect(
            dbname=s["NAME"], user=s["USER"], password=s.get("PASSWORD") or None,
            host=s["HOST"], port=s["PORT"] or 5432, cursor_factory=_CountingCursor,
        )  # fmt: skip
        self.staff = staff
        self.display = desk_display(staff)
        self.hold = datetime.timedelta(minutes=settings.DISCLOSURE_HOLD_MINUTES)
        self.info: dict[int, tuple[str, str, datetime.date]] = {}
        self.posting_info: dict[int, tuple[str, str, int, str]] = {}

    def load(self, pairs: list[Pair]) -> None:
        for seeker in JobSeeker.objects.filter(id__in=[p.seeker_id for p in pairs]):
            self.info[seeker.pk] = (seeker.name, seeker.kana, seeker.birth_date)
        for posting in JobPosting.objects.filter(
            id__in=[p.posting_id for p in pairs]
        ).select_related("establishment"):
            self.posting_info[posting.pk] = (
                posting.number, posting.title, posting.establishment_id, posting.establishment.number,
            )  # fmt: skip

    def _audit(
        self,
        cur: psycopg.Cursor,
        action: str,
        target_type: str,
        target_id: int,
        detail: dict[str, Any],
        *,
        by_staff: bool = True,
    ) -> None:
        # As audit.record since issue 18: one INSERT, unsealed (the sealer hashes it later).
        actor = self.staff.user_id if by_staff else None
        cur.execute(
            "INSERT INTO hellowork_auditevent (at, actor_id, action, target_type, target_id, ip,"
            " detail) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [timezone.now(), actor, action, target_type, str(target_id), "127.0.0.1",
             json.dumps(detail, ensure_ascii=False)],
        )  # fmt: skip

    def issue(self, pair: Pair, *, transactions: int) -> None:
        """One issue: all in one transaction, or split as the services split it (7)."""
        name, kana, born = self.info[pair.seeker_id]
        number, title, establishment_id, establishment_number = self.posting_info[pair.posting_id]
        staff = self.staff
        now = timezone.now()
        today = timezone.localdate(now)
        code = codes.generate()
        cur = self.conn.cursor()
        display = self.display.pk
        consultation = cur.execute(
            "INSERT INTO referrals_consultation (seeker_id, staff_id, office_id, in_person,"
            " display_id, opened_at, last_activity_at, closed_reason, note)"
            " VALUES (%s, %s, %s, true, %s, %s, %s, '', '') RETURNING id",
            [pair.seeker_id, staff.pk, staff.office_id, display, now, now],
        ).fetchone()[0]  # type: ignore[index]
        self._audit(cur, "consultation.opened", "referrals.consultation", consultation,
                    {"seeker_id": pair.seeker_id, "in_person": True,
                     "display_id": display})  # fmt: skip
        if transactions > 1:
            self.conn.commit()
        interest = cur.execute(
            "INSERT INTO referrals_postinginterest (consultation_id, posting_id, decision,"
            " recorded_by_id, recorded_at) VALUES (%s, %s, 'apply', %s, %s) RETURNING id",
            [consultation, pair.posting_id, staff.pk, now],
        ).fetchone()[0]  # type: ignore[index]
        self._audit(cur, "interest.recorded", "referrals.postinginterest", interest,
                    {"consultation_id": consultation, "posting_number": number, "decision": "apply",
                     "previous": None})  # fmt: skip
        if transactions > 1:
            self.conn.commit()
        referral = cur.execute(
            "INSERT INTO referrals_referralletter (consultation_id, posting_id, drafted_by_id,"
            " status, code, created_at, approval_reasons, rejection_reason, issued_at,"
            " void_reason, drafted_establishment_id)"
            " VALUES (%s, %s, %s, 'issued', %s, %s, '[]', '', %s, '', %s) RETURNING id",
            [consultation, pair.posting_id, staff.pk, code, now, now, establishment_id],
        ).fetchone()[0]  # type: ignore[index]
        self._audit(cur, "referral.drafted", "referrals.referralletter", referral,
                    {"consultation_id": consultation, "posting_number": number,
                     "establishment_number": establishment_number, "approval_reasons": []})  # fmt: skip
        if transactions > 1:
            self.conn.commit()
        call = cur.execute(
            "INSERT INTO referrals_employercall (referral_id, called_by_id, called_at, reached,"
            " accepting, unreached_reason, unreached_note, interview_place, contact_person,"
            " documents, selection_method, note)"
            " VALUES (%s, %s, %s, true, true, '', '', '', 'bench', '', '', '') RETURNING id",
            [referral, staff.pk, now],
        ).fetchone()[0]  # type: ignore[index]
        cur.execute(
            "UPDATE referrals_consultation SET last_activity_at = %s WHERE id = %s",
            [now, consultation],
        )
        self._audit(cur, "referral.employer_called", "referrals.referralletter", referral,
                    {"call_id": call, "reached": True, "accepting": True, "unreached_reason": "",
                     "fields": ["contact_person"]})  # fmt: skip
        if transactions > 1:
            self.conn.commit()
        readback = cur.execute(
            "INSERT INTO referrals_displayreadback (display_id, referral_id, sent_by_id, sent_at,"
            " answered_at, answer) VALUES (%s, %s, %s, %s, %s, 'confirmed') RETURNING id",
            [display, referral, staff.pk, now, now],
        ).fetchone()[0]  # type: ignore[index]
        self._audit(cur, "display.readback_sent", "referrals.displayreadback", readback,
                    {"referral_id": referral, "display_id": display, "replaced_ids": []})  # fmt: skip
        if transactions > 1:
            self.conn.commit()
        self._audit(cur, "referral.seeker_confirmed", "referrals.referralletter", referral,
                    {"display_id": display, "readback_id": readback}, by_staff=False)  # fmt: skip
        if transactions > 1:
            self.conn.commit()
        confirmation = cur.execute(
            "INSERT INTO referrals_confirmation (referral_id, method, maker_id, operator_id,"
            " confirmer_seeker_id, posting_id, entered_posting_digits, stated_posting_number,"
            " display_answer_id, source, confirmed_at)"
            " VALUES (%s, 'in_person', %s, %s, %s, %s, %s, '', %s, '', %s) RETURNING id",
            [
                referral,
                staff.pk,
                staff.pk,
                pair.seeker_id,
                pair.posting_id,
                pair.digits,
                readback,
                now,
            ],
        ).fetchone()[0]  # type: ignore[index]
        self._audit(cur, "referral.confirmed", "referrals.referralletter", referral,
                    {"method": "in_person", "confirmation_id": confirmation,
                     "display_id": display, "readback_id": readback})  # fmt: skip
        self._audit(cur, "referral.issued", "referrals.referralletter", referral,
                    {"code": code, "method": "in_person"})  # fmt: skip
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        disclosure = cur.execute(
            "INSERT INTO referrals_disclosure (referral_id, confirmation_id, establishment_id,"
            " public_id, created_at, visible_at, seeker_name, seeker_kana, seeker_age,"
            " posting_number, posting_title, referral_date, referral_code)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [
                referral,
                confirmation,
                establishment_id,
                uuid.uuid4(),
                now,
                now + self.hold,
                name,
                kana,
                age,
                number,
                title,
                today,
                code,
            ],
        ).fetchone()[0]  # type: ignore[index]
        self._audit(cur, "disclosure.created", "referrals.disclosure", disclosure,
                    {"referral_id": referral, "establishment_id": establishment_id,
                     "visible_at": (now + self.hold).isoformat()})  # fmt: skip
        self.conn.commit()

    def per_second(self, pairs: list[Pair], *, transactions: int) -> float:
        started = time.perf_counter()
        for pair in pairs:
            self.issue(pair, transactions=transactions)
        return len(pairs) / (time.perf_counter() - started)

    def close(self) -> None:
        self.conn.close()


def measure(staff: StaffMember, pairs: list[Pair]) -> IssuanceResult:
    """Services, raw in one transaction and raw in seven, each on a third of the pairs,
    after a few unmeasured issues of each (connections, prepared statements); the first
    unmeasured issue of each kind also gives its statements. Then the services' statements
    replayed as SQL, as many times."""
    warm, rest = pairs[:15], pairs[15:]
    third = len(rest) // 3
    raw = RawIssuer(staff)
    raw.load(pairs)
    statements = statements_through_services(staff, warm[0])
    replay_per_second(statements, 15)
    through_services(staff, warm[1:5])
    executed = _CountingCursor.executed
    raw.per_second(warm[5:6], transactions=1)
    raw_statements = _CountingCursor.executed - executed
    raw.per_second(warm[6:10], transactions=1)
    raw.per_second(warm[10:15], transactions=7)
    services_per_s = through_services(staff, rest[:third])
    raw_per_s = raw.per_second(rest[third : 2 * third], transactions=1)
    raw_split_per_s = raw.per_second(rest[2 * third : 3 * third], transactions=7)
    replayed_per_s = replay_per_second(statements, third)
    raw.close()
    return IssuanceResult(
        issues=third,
        services_per_s=round(services_per_s, 1),
        raw_per_s=round(raw_per_s, 1),
        raw_split_per_s=round(raw_split_per_s, 1),
        services_statements=bounds.rule_statements([sql for sql, _, _ in statements]),
        raw_statements=raw_statements,
        replayed_per_s=round(replayed_per_s, 1),
    )
