"""Data at scale: fills the database with N referrals and what surrounds them.

One call of `generate(rows=N)` makes the database hold N referral letters. On an empty
database it first builds a registry sized for `scale` referrals a year (offices, staff,
establishments, postings, seekers, employer members); on a database that already holds
referrals it adds the missing ones, continuing the audit chain. Each referral comes with
what the services would have written for it: its consultation, the seeker's "apply",
the confirmation (in person, or a supervisor's approval), the disclosure with its
snapshot, the arrival notice, an employer's view, often a selection result (sometimes
corrected), and every audit event, hash-chained in the order of their times.

The rows are written with COPY (psycopg 3) in chunks of CHUNK referrals, one transaction
each; on SQLite (the test suite's default) the same rows go through bulk_create. Every
row satisfies the models' check constraints, and `hellowork.audit.verify()` accepts the
chain: tests/bench/test_generate.py checks both at a tiny N.

Shape of the data (one year of referrals ending yesterday, weekdays, office hours):
- offices: N / 1,800, at most 544 (Hello Work's offices and branches); 8 clerks, 2
  supervisors and a manager each;
- establishments: N / 20, 70% with a my page, their share of referrals drawn from a
  Pareto distribution (most get a handful, some many); and FEATURED_QUOTAS very large
  ones that get hundreds of applicants, all in the first 10,000 referrals, so that the
  applicant list can be timed on the same pages at 10,000 rows and at N (the flatness);
- postings: 2 per establishment (10 for the very large), 85% open;
- seekers: N / 3 (about three referrals each);
- referrals: 90% in person; 93% issued, 2% voided within the hold (the disclosure is
  recalled), 2% voided drafts, the rest drafts or waiting for approval.

The generator assumes that nothing else writes to the database while it runs.
"""

import datetime
import hashlib
import heapq
import itertools
import json
import random
import uuid
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from hellowork import audit, audit_sealer
from hellowork.demo import TITLES
from hellowork.models import (
    AuditEvent,
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    StaffMember,
    User,
)
from hellowork.name_keys import kana_key, name_key
from referrals import codes
from referrals.models import (
    Confirmation,
    Consultation,
    CounterDisplay,
    Disclosure,
    DisplayReadback,
    PostingInterest,
    ReferralLetter,
    SelectionResult,
)

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
UTC = datetime.UTC
SEED = 8
CHUNK = 20_000  # referrals per COPY round and transaction
SMALL_ROWS = 10_000  # the flatness baseline: the very large establishments fill up before
FEATURED_QUOTAS = (800, 600, 500, 400, 300)  # applicants of the very large establishments
FEATURED_SERIAL = "999"  # their 事業所番号 serials start with this

# Fates of a referral and how often each happens.
ISSUED, VOID_ISSUED, VOID_DRAFT, DRAFT, PENDING = (
    "issued",
    "void_issued",
    "void_draft",
    "draft",
    "pending",
)
FATES_IN_PERSON = ((ISSUED, 0.95), (VOID_ISSUED, 0.02), (VOID_DRAFT, 0.02), (DRAFT, 0.01))
FATES_APPROVAL = ((ISSUED, 0.90), (VOID_DRAFT, 0.03), (PENDING, 0.07))

COMPANY_WORDS = [
    ("あさひ", "アサヒ"), ("さくら", "サクラ"), ("みどり", "ミドリ"), ("東北", "トウホク"),
    ("北斗", "ホクト"), ("大和", "ヤマト"), ("富士", "フジ"), ("中央", "チュウオウ"),
    ("ひかり", "ヒカリ"), ("日の出", "ヒノデ"), ("若葉", "ワカバ"), ("青葉", "アオバ"),
]  # fmt: skip
COMPANY_KINDS = [
    ("物流", "ブツリュウ"), ("精密", "セイミツ"), ("フーズ", "フーズ"), ("建設", "ケンセツ"),
    ("システム", "システム"), ("商事", "ショウジ"), ("電子", "デンシ"), ("製菓", "セイカ"),
    ("福祉会", "フクシカイ"), ("運輸", "ウンユ"), ("ホテル", "ホテル"), ("クリニック", "クリニック"),
]  # fmt: skip
ALL_TITLES = [title for titles in TITLES.values() for title in titles]
NOT_HIRED_REASONS = ["experience", "qualification", "position_filled", "applicant_withdrew", ""]


def _names() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Faker's Japanese family and given names with their kana (katakana)."""
    from faker.providers.person.ja_JP import Provider

    family = [(kanji, kana) for kanji, kana, _romaji in Provider.last_name_pairs]
    given = [
        (kanji, kana)
        for kanji, kana, _romaji in itertools.chain(
            Provider.first_name_female_pairs, Provider.first_name_male_pairs
        )
    ]
    return family, given


@dataclass(frozen=True)
class Scale:
    """The registry that goes with `rows` referrals a year."""

    rows: int

    @property
    def offices(self) -> int:
        return min(544, max(3, self.rows // 1_800))

    @property
    def establishments(self) -> int:
        return max(30, self.rows // 20)

    @property
    def seekers(self) -> int:
        return max(60, self.rows // 3)

    def featured_quotas(self) -> list[int]:
        """Applicants of each very large establishment, all within the first
        min(rows, SMALL_ROWS) referrals."""
        room = min(self.rows, SMALL_ROWS)
        return [max(1, quota * room // SMALL_ROWS) for quota in FEATURED_QUOTAS]


# -- writing rows ---------------------------------------------------------------------


class Writer:
    """Buffers rows per table and writes them in one go: COPY on PostgreSQL, bulk_create
    elsewhere. Columns the generator does not name are filled with the field's default
    (or NULL, or ""), so a field added to a model later does not break the generator;
    one that has none of these stops it with a message naming the field."""

    def __init__(self) -> None:
        self.buffers: dict[type[models.Model], list[Sequence[Any]]] = {}
        self.columns: dict[type[models.Model], list[str]] = {}
        self.fillers: dict[type[models.Model], list[Any]] = {}

    def table(self, model: type[models.Model], columns: list[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        fillers = []
        for name, f in fields.items():
            if name in columns:
                continue
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif isinstance(f, models.CharField | models.TextField):
                value = ""
            else:
                raise ValueError(
                    f"bench.generate does not fill {model.__name__}.{name} (no default, not "
                    "null): give it a value in bench/generate.py"
                )
            fillers.append((name, value))
        self.columns[model] = columns + [name for name, _ in fillers]
        self.fillers[model] = [value for _, value in fillers]
        self.buffers[model] = []

    def add(self, model: type[models.Model], row: Sequence[Any]) -> None:
        self.buffers[model].append(row)

    def flush(self) -> None:
        """Writes every buffer, in the order the tables were declared (parents first)."""
        for model, rows in self.buffers.items():
            if rows:
                self._write(model, rows)
                rows.clear()

    def _write(self, model: type[models.Model], rows: list[Sequence[Any]]) -> None:
        columns = self.columns[model]
        filler = tuple(self.fillers[model])
        fields = {f.attname: f for f in model._meta.concrete_fields}
        json_at = [
            i for i, name in enumerate(columns) if isinstance(fields[name], models.JSONField)
        ]
        if connection.vendor != "postgresql":
            model._default_manager.bulk_create(
                [model(**dict(zip(columns, (*row, *filler), strict=True))) for row in rows],
                batch_size=500,
            )
            return
        table = connection.ops.quote_name(model._meta.db_table)
        quoted = ", ".join(connection.ops.quote_name(fields[name].column) for name in columns)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
        ):
            for row in rows:
                values = [*row, *filler]
                for i in json_at:
                    if not isinstance(values[i], str):  # already JSON text otherwise
                        values[i] = json.dumps(values[i], ensure_ascii=False)
                copy.write_row(values)


def _declare_tables(writer: Writer) -> None:
    """The column order of every row tuple below. Parents come before children."""
    writer.table(Office, ["id", "code", "name", "bureau"])
    writer.table(
        User,
        ["id", "password", "username", "email", "is_staff", "is_active", "is_superuser",
         "date_joined", "name", "kind"],
    )  # fmt: skip
    writer.table(StaffMember, ["id", "user_id", "office_id", "role"])
    writer.table(
        Establishment,
        ["id", "number", "name", "kana", "office_id", "address", "has_mypage", "name_key",
         "kana_key"],
    )  # fmt: skip
    writer.table(EmployerMember, ["id", "user_id", "establishment_id", "is_primary"])
    writer.table(
        JobPosting,
        ["id", "number", "establishment_id", "title", "status", "employment_type",
         "work_location", "wage_min", "wage_max", "description", "valid_until"],
    )  # fmt: skip
    writer.table(
        JobSeeker,
        ["id", "number", "name", "kana", "birth_date", "office_id", "phone", "name_key",
         "kana_key"],
    )  # fmt: skip
    writer.table(
        CounterDisplay,
        ["id", "office_id", "label", "created_at", "created_by_id", "paired_at",
         "device_paired_at", "device_secret_digest"],
    )  # fmt: skip
    writer.table(
        Consultation,
        ["id", "seeker_id", "staff_id", "office_id", "in_person", "display_id", "opened_at",
         "last_activity_at", "closed_at", "closed_reason", "note"],
    )  # fmt: skip
    writer.table(
        PostingInterest,
        ["id", "consultation_id", "posting_id", "decision", "recorded_by_id", "recorded_at"],
    )
    writer.table(
        ReferralLetter,
        ["id", "consultation_id", "posting_id", "drafted_by_id", "status", "code", "created_at",
         "approval_reasons", "submitted_by_id", "submitted_at", "issued_at", "voided_by_id",
         "voided_at", "void_reason", "drafted_establishment_id"],
    )  # fmt: skip
    writer.table(
        DisplayReadback,
        ["id", "display_id", "referral_id", "sent_by_id", "sent_at", "shown_at", "answered_at",
         "answer"],
    )  # fmt: skip
    writer.table(
        Confirmation,
        ["id", "referral_id", "method", "maker_id", "operator_id", "confirmer_seeker_id",
         "confirmer_staff_id", "posting_id", "entered_posting_digits", "stated_posting_number",
         "display_answer_id", "source", "confirmed_at"],
    )  # fmt: skip
    writer.table(
        Disclosure,
        ["id", "referral_id", "confirmation_id", "establishment_id", "public_id", "created_at",
         "visible_at", "recalled_at", "notified_at", "seeker_name", "seeker_kana", "seeker_age",
         "posting_number", "posting_title", "referral_date", "referral_code"],
    )  # fmt: skip
    writer.table(
        SelectionResult,
        ["id", "referral_id", "result", "start_date", "not_hired_reason", "conditions_differ",
         "conditions_difference", "corrects_id", "route", "given_by", "recorded_by_member_id",
         "recorded_by_staff_id", "recorded_at"],
    )  # fmt: skip
    writer.table(
        AuditEvent,
        ["id", "at", "actor_id", "action", "target_type", "target_id", "ip", "detail",
         "seq", "prev_hash", "hash"],
    )  # fmt: skip


def _next_ids() -> dict[type[models.Model], itertools.count]:
    """Explicit ids continue after whatever the tables hold."""
    ids = {}
    for model in (
        Office, User, StaffMember, Establishment, EmployerMember, JobPosting, JobSeeker,
        CounterDisplay, Consultation, PostingInterest, ReferralLetter, DisplayReadback,
        Confirmation, Disclosure, SelectionResult, AuditEvent,
    ):  # fmt: skip
        last = model._default_manager.aggregate(last=models.Max("id"))["last"] or 0
        ids[model] = itertools.count(last + 1)
    return ids


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(
        no_style(),
        [
            Office, User, StaffMember, Establishment, EmployerMember, JobPosting, JobSeeker,
            CounterDisplay, Consultation, PostingInterest, ReferralLetter, DisplayReadback,
            Confirmation, Disclosure, SelectionResult, AuditEvent,
        ],
    )  # fmt: skip
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# -- the registry ---------------------------------------------------------------------


@dataclass
class Registry:
    """The ids the referrals are made from, in memory."""

    office_codes: dict[int, str] = field(default_factory=dict)
    clerks: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # office: (staff, user)
    checkers: dict[int, list[tuple[int, int]]] = field(
        default_factory=dict
    )  # supervisors, managers
    establishments: list[tuple[int, bool]] = field(
        default_factory=list
    )  # (id, has_mypage), ordinary
    featured: list[int] = field(default_factory=list)
    mypage: set[int] = field(default_factory=set)
    establishment_numbers: dict[int, str] = field(default_factory=dict)
    postings: dict[int, list[tuple[int, str, str]]] = field(
        default_factory=dict
    )  # (id, number, title)
    members: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # (member, user)
    displays: dict[int, int] = field(default_factory=dict)  # office: its counter display
    seekers: list[tuple[int, int, str, str, datetime.date]] = field(default_factory=list)


def build_registry(writer: Writer, ids: dict, rng: random.Random, scale: Scale) -> None:
    """Offices, staff, establishments (a few very large), postings, members, seekers."""
    family, given = _names()
    password = make_password(None)  # nobody signs in with a password: sessions are made
    joined = timezone.now() - datetime.timedelta(days=400)
    today = timezone.localdate()
    # 求人の有効期限: an open posting is valid to the end of the month after next (翌々月末);
    # a closed one ended within the last two years, so some referrals are past the result
    # window (referrals.results) and the dashboard's list of those without a result fills.
    open_until = datetime.date(today.year + (today.month + 2) // 12, (today.month + 2) % 12 + 1, 1)
    open_until -= datetime.timedelta(days=1)

    def person() -> tuple[str, str]:
        (last, last_kana), (first, first_kana) = rng.choice(family), rng.choice(given)
        return f"{last} {first}", f"{last_kana} {first_kana}"

    office_codes = []
    for n in range(scale.offices):
        office_id = next(ids[Office])
        code = f"{100 + n:04d}"
        office_codes.append((office_id, code))
        writer.add(Office, (office_id, code, f"ハローワーク{code}", f"第{n // 12 + 1}労働局"))
        roles = ["clerk"] * 8 + ["supervisor"] * 2 + ["manager"]
        for k, role in enumerate(roles):
            user_id = next(ids[User])
            writer.add(
                User,
                (user_id, password, f"bench-{code}-{k}", "", False, True, False, joined,
                 person()[0], "staff"),
            )  # fmt: skip
            staff_id = next(ids[StaffMember])
            writer.add(StaffMember, (staff_id, user_id, office_id, role))
            if role == "supervisor" and k == 8:  # the office's seeker-facing display
                writer.add(
                    CounterDisplay,
                    (next(ids[CounterDisplay]), office_id, "窓口", joined, staff_id, joined,
                     joined, "0" * 64),
                )  # fmt: skip

    quotas = scale.featured_quotas()
    serials: dict[str, int] = {}
    for n in range(len(quotas) + scale.establishments):
        featured = n < len(quotas)
        office_id, code = rng.choice(office_codes)
        establishment_id = next(ids[Establishment])
        if featured:
            serial = f"{FEATURED_SERIAL}{n:03d}"
        else:
            serials[code] = serials.get(code, 100_000) + 1
            serial = f"{serials[code]:06d}"
        number = f"{code}-{serial}-{establishment_id % 10}"
        word, word_kana = rng.choice(COMPANY_WORDS)
        kind, kind_kana = rng.choice(COMPANY_KINDS)
        has_mypage = featured or rng.random() < 0.7
        name, kana = f"株式会社{word}{kind}", f"{word_kana}{kind_kana}"
        writer.add(
            Establishment,
            (establishment_id, number, name, kana, office_id, f"所在地{code}", has_mypage,
             name_key(name), kana_key(kana)),
        )  # fmt: skip
        for p in range(10 if featured else rng.choice((1, 2, 2, 3))):
            posting_id = next(ids[JobPosting])
            title, kind_, wage_min, wage_max = rng.choice(ALL_TITLES)
            open_ = featured or p == 0 or rng.random() < 0.85
            writer.add(
                JobPosting,
                (posting_id, f"{code}1-{posting_id:08d}", establishment_id, title,
                 "open" if open_ else "closed", kind_, f"就業場所{code}", wage_min, wage_max, "",
                 open_until if open_ else today - datetime.timedelta(days=rng.randrange(1, 730))),
            )  # fmt: skip
        if has_mypage:
            for m in range(3 if featured else rng.choice((1, 1, 2))):
                user_id = next(ids[User])
                email = f"m{user_id}@e{establishment_id}.bench.example"
                writer.add(
                    User,
                    (user_id, password, email, email, False, True, False, joined, person()[0],
                     "employer"),
                )  # fmt: skip
                writer.add(
                    EmployerMember, (next(ids[EmployerMember]), user_id, establishment_id, m == 0)
                )

    for _ in range(scale.seekers):
        seeker_id = next(ids[JobSeeker])
        _office_id, code = rng.choice(office_codes)
        name, kana = person()
        born = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(45 * 365))
        writer.add(
            JobSeeker,
            (seeker_id, f"{code}0-{seeker_id:08d}", name, kana, born, _office_id, "",
             name_key(name), kana_key(kana)),
        )  # fmt: skip


def load_registry() -> Registry:
    """The registry as the database holds it (a few queries, all of it in memory)."""
    reg = Registry()
    reg.office_codes = dict(Office.objects.values_list("id", "code"))
    for staff_id, user_id, office_id, role in StaffMember.objects.filter(
        user__kind="staff", user__is_active=True
    ).values_list("id", "user_id", "office_id", "role"):
        target = reg.clerks if role == "clerk" else reg.checkers
        target.setdefault(office_id, []).append((staff_id, user_id))
    for establishment_id, number, has_mypage in Establishment.objects.order_by("id").values_list(
        "id", "number", "has_mypage"
    ):
        reg.establishment_numbers[establishment_id] = number
        if has_mypage:
            reg.mypage.add(establishment_id)
        if number.split("-")[1].startswith(FEATURED_SERIAL):
            reg.featured.append(establishment_id)
        else:
            reg.establishments.append((establishment_id, has_mypage))
    for posting_id, establishment_id, number, title in JobPosting.objects.order_by(
        "id"
    ).values_list("id", "establishment_id", "number", "title"):
        reg.postings.setdefault(establishment_id, []).append((posting_id, number, title))
    for member_id, user_id, establishment_id in EmployerMember.objects.filter(
        user__is_active=True
    ).values_list("id", "user_id", "establishment_id"):
        reg.members.setdefault(establishment_id, []).append((member_id, user_id))
    for display_id, office_id in CounterDisplay.objects.filter(retired_at=None).values_list(
        "id", "office_id"
    ):
        reg.displays.setdefault(office_id, display_id)
    reg.seekers = list(
        JobSeeker.objects.order_by("id").values_list(
            "id", "office_id", "name", "kana", "birth_date"
        )
    )
    # Only offices with clerks, checkers and a display take consultations.
    for office_id in list(reg.clerks):
        if office_id not in reg.checkers or office_id not in reg.displays:
            del reg.clerks[office_id]
    return reg


# -- referrals ------------------------------------------------------------------------


# A pending event: (at, seq, actor_id, action, target_type, target_id, ip, detail). Tuples
# compare in C, and (at, seq) keeps events of the same instant in the order they were made.
PendingEvent = tuple[datetime.datetime, int, int | None, str, str, str, str, dict[str, Any]]


def _dumps(value: Any) -> str:
    """JSON exactly as hellowork.audit.event_hash encodes it."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Chain:
    """Audit events, appended in time order already sealed, as hellowork.audit_sealer
    would seal them (their place `seq`, the previous hash, their hash).

    Events wait in a heap until the clock (the opening of the next consultation) passes
    them, so the chain's order is the order of their times, as it would be in production.
    The hash is hellowork.audit.event_hash's, built by string formatting from the detail's
    JSON (which also goes into the column): every generated string is plain (no quotes,
    backslashes or control characters), and every CHECK_EVERY-th event is compared with
    event_hash itself, so a change there stops the generator instead of a broken chain.
    """

    CHECK_EVERY = 10_000

    def __init__(self, writer: Writer, ids: dict, last_hash: str, last_seq: int = 0) -> None:
        self.writer = writer
        self.ids = ids
        self.last_hash = last_hash
        self.last_seq = last_seq
        self.pending: list[PendingEvent] = []
        self.seq = itertools.count()
        self.count = 0
        self.json_as_text = connection.vendor == "postgresql"  # COPY takes the JSON text

    def add(
        self,
        at: datetime.datetime,
        actor_id: int | None,
        action: str,
        target: type[models.Model] | None,
        target_id: int | str,
        ip: str,
        detail: dict[str, Any],
    ) -> None:
        target_type = target._meta.label_lower if target is not None else ""
        heapq.heappush(
            self.pending,
            (
                at,
                next(self.seq),
                actor_id,
                action,
                target_type,
                str(target_id) if target else "",
                ip,
                detail,
            ),
        )

    def emit_until(self, clock: datetime.datetime) -> None:
        """Appends every pending event that happened before `clock`."""
        pending, add, ids = self.pending, self.writer.add, self.ids[AuditEvent]
        while pending and pending[0][0] < clock:
            at, _, actor_id, action, target_type, target_id, ip, detail = heapq.heappop(pending)
            detail_json = _dumps(detail)
            actor = "null" if actor_id is None else str(actor_id)
            payload = (
                f'["{self.last_hash}","{at.isoformat(timespec="microseconds")}",{actor},'
                f'"{action}","{target_type}","{target_id}","{ip}",{detail_json}]'
            )
            digest = hashlib.sha256(payload.encode()).hexdigest()
            if self.count % self.CHECK_EVERY == 0:
                expected = audit.event_hash(
                    prev_hash=self.last_hash, at=at, actor_id=actor_id, action=action,
                    target_type=target_type, target_id=target_id, ip=ip, detail=detail,
                )  # fmt: skip
                if digest != expected:
                    raise RuntimeError("bench.generate no longer hashes as hellowork.audit does")
            column = detail_json if self.json_as_text else detail
            self.last_seq += 1
            add(AuditEvent, (next(ids), at, actor_id, action, target_type, target_id, ip, column,
                             self.last_seq, self.last_hash, digest))  # fmt: skip
            self.last_hash = digest
            self.count += 1


def _code(rng: random.Random, used: set[str]) -> str:
    """A referral code of the real shape (rule 6), unique."""
    while True:
        data = "".join(rng.choices(codes.ALPHABET, k=codes.DATA_LENGTH))
        code = codes.group(data + codes.check_symbol(data))
        if code not in used:
            used.add(code)
            return code


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _fate(rng: random.Random, fates: tuple[tuple[str, float], ...]) -> str:
    r = rng.random()
    for fate, share in fates:
        if r < share:
            return fate
        r -= share
    return fates[0][0]


def _working_days(now: datetime.datetime, days: int = 365) -> list[datetime.date]:
    today = now.astimezone(JST).date()
    span = (today - datetime.timedelta(days=d) for d in range(days, 0, -1))
    return [day for day in span if day.weekday() < 5]


class Referrals:
    """Makes referrals day by day, in time order, with every row and event they imply."""

    def __init__(self, writer: Writer, ids: dict, reg: Registry, rng: random.Random, chain: Chain):
        self.writer, self.ids, self.reg, self.rng, self.chain = writer, ids, reg, rng, chain
        self.now = timezone.now()
        self.hold = datetime.timedelta(minutes=settings.DISCLOSURE_HOLD_MINUTES)
        self.used_codes: set[str] = set(
            ReferralLetter.objects.exclude(code=None).values_list("code", flat=True)
        )
        # (seeker, posting): one letter each (the services refuse a second active one)
        self.used_pairs: set[tuple[int, int]] = set(
            ReferralLetter.objects.values_list("consultation__seeker_id", "posting_id")
        )
        weights = [rng.paretovariate(1.2) for _ in reg.establishments]
        self.cum_weights = list(itertools.accumulate(weights))
        self.offices = sorted(reg.clerks)
        self.seekers_by_office: dict[int, list[int]] = {}
        self.seeker = {}
        for seeker in reg.seekers:
            self.seeker[seeker[0]] = seeker
            if seeker[1] in reg.clerks:
                self.seekers_by_office.setdefault(seeker[1], []).append(seeker[0])
        self.made = 0

    # -- choices

    def _establishment(self, featured: int | None) -> int:
        if featured is not None:
            return featured
        (establishment_id, _) = self.rng.choices(
            self.reg.establishments, cum_weights=self.cum_weights
        )[0]
        return establishment_id

    def _posting(self, seeker_id: int, featured: int | None) -> tuple[int, tuple[int, str, str]]:
        for _ in range(20):
            establishment_id = self._establishment(featured)
            posting = self.rng.choice(self.reg.postings[establishment_id])
            if (seeker_id, posting[0]) not in self.used_pairs:
                self.used_pairs.add((seeker_id, posting[0]))
                return establishment_id, posting
        raise RuntimeError("no posting left for this seeker")  # pragma: no cover

    # -- one consultation with its referrals

    def consultation(self, opened: datetime.datetime, featured: list[int | None]) -> None:
        rng, ids, w, chain = self.rng, self.ids, self.writer, self.chain
        office_id = rng.choice(self.offices)
        seeker_id = rng.choice(
            self.seekers_by_office.get(office_id) or [s[0] for s in self.reg.seekers]
        )
        _, _, seeker_name, seeker_kana, born = self.seeker[seeker_id]
        staff_id, user_id = rng.choice(self.reg.clerks[office_id])
        ip = f"10.{office_id % 250}.{staff_id % 250}.{user_id % 250}"
        in_person = rng.random() < 0.9
        display_id = self.reg.displays[office_id] if in_person else None
        consultation_id = next(ids[Consultation])
        chain.add(opened, user_id, "consultation.opened", Consultation, consultation_id, ip,
                  {"seeker_id": seeker_id, "in_person": in_person,
                   "display_id": display_id})  # fmt: skip
        t = opened
        for feature in featured:
            t += datetime.timedelta(seconds=rng.randrange(120, 600))
            establishment_id, (posting_id, posting_number, posting_title) = self._posting(
                seeker_id, feature
            )
            interest_id = next(ids[PostingInterest])
            w.add(PostingInterest, (interest_id, consultation_id, posting_id, "apply", staff_id, t))
            chain.add(t, user_id, "interest.recorded", PostingInterest, interest_id, ip,
                      {"consultation_id": consultation_id, "posting_number": posting_number,
                       "decision": "apply", "previous": None})  # fmt: skip
            t += datetime.timedelta(seconds=rng.randrange(30, 120))
            referral_id = next(ids[ReferralLetter])
            reasons = [] if in_person else ["not_in_person"]
            chain.add(t, user_id, "referral.drafted", ReferralLetter, referral_id, ip,
                      {"consultation_id": consultation_id, "posting_number": posting_number,
                       "establishment_number": self.reg.establishment_numbers[establishment_id],
                       "approval_reasons": reasons})  # fmt: skip
            drafted = t
            fate = _fate(rng, FATES_IN_PERSON if in_person else FATES_APPROVAL)
            row = {
                "status": "draft", "code": None, "submitted_by": None, "submitted_at": None,
                "issued_at": None, "voided_by": None, "voided_at": None, "void_reason": "",
            }  # fmt: skip
            if not in_person:
                t += datetime.timedelta(seconds=rng.randrange(30, 120))
                row.update(status="pending_approval", submitted_by=staff_id, submitted_at=t)
                chain.add(t, user_id, "referral.submitted", ReferralLetter, referral_id, ip,
                          {"approval_reasons": reasons})  # fmt: skip
            if fate in (ISSUED, VOID_ISSUED):
                if in_person:
                    t += datetime.timedelta(seconds=rng.randrange(60, 180))
                    confirmed, actor_staff, actor_user = t, staff_id, user_id
                    method, source = "in_person", ""
                else:  # a supervisor of the office, later, who called the seeker back
                    confirmed = t + datetime.timedelta(minutes=rng.randrange(10, 180))
                    actor_staff, actor_user = rng.choice(self.reg.checkers[office_id])
                    method, source = "approval", "callback"
                if confirmed > self.now - self.hold - datetime.timedelta(minutes=5):
                    fate = PENDING if not in_person else DRAFT
                else:
                    readback_id = None
                    if in_person:  # the seeker's answer on the display, a minute before
                        readback_id = next(ids[DisplayReadback])
                        sent = confirmed - datetime.timedelta(seconds=rng.randrange(40, 90))
                        answered = sent + datetime.timedelta(seconds=rng.randrange(15, 35))
                        w.add(
                            DisplayReadback,
                            (readback_id, display_id, referral_id, staff_id, sent, sent,
                             answered, "confirmed"),
                        )  # fmt: skip
                        chain.add(sent, user_id, "display.readback_sent", DisplayReadback,
                                  readback_id, ip, {"referral_id": referral_id,
                                  "display_id": display_id, "replaced_ids": []})  # fmt: skip
                        chain.add(answered, None, "referral.seeker_confirmed", ReferralLetter,
                                  referral_id, "", {"display_id": display_id,
                                  "readback_id": readback_id})  # fmt: skip
                    confirmation_id = next(ids[Confirmation])
                    w.add(
                        Confirmation,
                        (confirmation_id, referral_id, method, staff_id, actor_staff,
                         seeker_id if in_person else None, None if in_person else actor_staff,
                         posting_id, posting_number.replace("-", "")[-4:] if in_person else "",
                         "" if in_person else posting_number, readback_id, source, confirmed),
                    )  # fmt: skip
                    if in_person:
                        chain.add(confirmed, user_id, "referral.confirmed", ReferralLetter, referral_id,
                                  ip, {"method": "in_person", "confirmation_id": confirmation_id,
                                       "display_id": display_id,
                                       "readback_id": readback_id})  # fmt: skip
                    else:
                        chain.add(confirmed, actor_user, "referral.approved", ReferralLetter,
                                  referral_id, ip, {"confirmation_id": confirmation_id,
                                                    "source": source})  # fmt: skip
                    code = _code(rng, self.used_codes)
                    row.update(status="issued", code=code, issued_at=confirmed)
                    chain.add(confirmed, actor_user, "referral.issued", ReferralLetter, referral_id,
                              ip, {"code": code, "method": method})  # fmt: skip
                    voided = None
                    if fate == VOID_ISSUED:  # within the hold: the disclosure is recalled
                        voided = confirmed + datetime.timedelta(seconds=rng.randrange(60, 540))
                        row.update(status="voided", voided_by=staff_id, voided_at=voided,
                                   void_reason="求職者の希望により取消")  # fmt: skip
                        chain.add(voided, user_id, "referral.voided", ReferralLetter, referral_id,
                                  ip, {"code": code})  # fmt: skip
                    if establishment_id in self.reg.mypage:
                        self._disclosure(
                            referral_id, confirmation_id, establishment_id, confirmed, code,
                            (seeker_name, seeker_kana, born), (posting_number, posting_title),
                            actor_user, ip, recalled=voided, recalled_by=user_id,
                        )  # fmt: skip
            if fate == VOID_DRAFT:
                t += datetime.timedelta(seconds=rng.randrange(30, 300))
                row.update(status="voided", voided_by=staff_id, voided_at=t,
                           void_reason="求職者が応募を取りやめた")  # fmt: skip
                chain.add(
                    t, user_id, "referral.voided", ReferralLetter, referral_id, ip, {"code": None}
                )
            if fate == DRAFT:
                row.update(status="draft", submitted_by=None, submitted_at=None)
            w.add(
                ReferralLetter,
                (referral_id, consultation_id, posting_id, staff_id, row["status"], row["code"],
                 drafted, reasons, row["submitted_by"], row["submitted_at"], row["issued_at"],
                 row["voided_by"], row["voided_at"], row["void_reason"], establishment_id),
            )  # fmt: skip
            self.made += 1
        closed = t + datetime.timedelta(seconds=rng.randrange(60, 600))
        w.add(
            Consultation,
            (consultation_id, seeker_id, staff_id, office_id, in_person, display_id, opened, t,
             closed, "staff", ""),
        )  # fmt: skip
        chain.add(closed, user_id, "consultation.closed", Consultation, consultation_id, ip, {})

    def _disclosure(
        self,
        referral_id: int,
        confirmation_id: int,
        establishment_id: int,
        issued: datetime.datetime,
        code: str,
        seeker: tuple[str, str, datetime.date],
        posting: tuple[str, str],
        actor_user: int,
        ip: str,
        *,
        recalled: datetime.datetime | None,
        recalled_by: int,
    ) -> None:
        rng, ids, chain = self.rng, self.ids, self.chain
        disclosure_id = next(ids[Disclosure])
        visible = issued + self.hold
        day = issued.astimezone(JST).date()
        notified = None
        if recalled is not None:
            chain.add(recalled, recalled_by, "disclosure.recalled", Disclosure, disclosure_id, ip,
                      {"referral_id": referral_id})  # fmt: skip
        elif visible + datetime.timedelta(seconds=60) < self.now:
            notified = visible + datetime.timedelta(seconds=rng.randrange(1, 60))
        members = self.reg.members.get(establishment_id, [])
        self.writer.add(
            Disclosure,
            (disclosure_id, referral_id, confirmation_id, establishment_id,
             uuid.UUID(int=rng.getrandbits(128), version=4), issued, visible, recalled, notified,
             seeker[0], seeker[1], _age_on(seeker[2], day), posting[0], posting[1], day, code),
        )  # fmt: skip
        chain.add(issued, actor_user, "disclosure.created", Disclosure, disclosure_id, ip,
                  {"referral_id": referral_id, "establishment_id": establishment_id,
                   "visible_at": visible.isoformat()})  # fmt: skip
        if notified is None or not members:
            return
        chain.add(notified, None, "disclosure.notified", Disclosure, disclosure_id, "",
                  {"member_ids": [member_id for member_id, _ in members]})  # fmt: skip
        member_id, member_user = rng.choice(members)
        employer_ip = f"203.0.113.{establishment_id % 250}"
        viewed = visible + datetime.timedelta(minutes=rng.randrange(30, 4 * 24 * 60))
        if viewed < self.now:
            chain.add(viewed, member_user, "disclosure.viewed", Disclosure, disclosure_id,
                      employer_ip, {"page": "detail", "establishment_id": establishment_id})  # fmt: skip
        recorded = visible + datetime.timedelta(days=rng.randrange(3, 30))
        if rng.random() < 0.65 and recorded < self.now:
            self._result(
                disclosure_id, referral_id, day, member_id, member_user, recorded, employer_ip
            )

    def _result(
        self,
        disclosure_id: int,
        referral_id: int,
        referral_date: datetime.date,
        member_id: int,
        member_user: int,
        recorded: datetime.datetime,
        ip: str,
    ) -> None:
        rng = self.rng
        corrects = None
        hired = rng.random() < 0.4
        correct = rng.random() < 0.03
        for _ in range(2 if correct else 1):
            result_id = next(self.ids[SelectionResult])
            start = referral_date + datetime.timedelta(days=rng.randrange(7, 60)) if hired else None
            reason = "" if hired else rng.choice(NOT_HIRED_REASONS)
            differ = hired and rng.random() < 0.05
            difference = "勤務時間が求人票と異なる" if differ else ""
            self.writer.add(
                SelectionResult,
                (result_id, referral_id, "hired" if hired else "not_hired", start, reason,
                 differ, difference, corrects, "mypage", "", member_id, None, recorded),
            )  # fmt: skip
            self.chain.add(recorded, member_user, "selection_result.recorded", SelectionResult,
                           result_id, ip,
                           {"disclosure_id": disclosure_id, "referral_id": referral_id,
                            "result": "hired" if hired else "not_hired",
                            "start_date": start.isoformat() if start else None,
                            "not_hired_reason": reason, "conditions_differ": differ,
                            "corrects_id": corrects})  # fmt: skip
            corrects, hired = result_id, not hired
            recorded += datetime.timedelta(days=rng.randrange(1, 10))
            if recorded >= self.now:
                break


def _consultation_sizes(rng: random.Random, count: int) -> list[int]:
    """How many referrals each consultation holds (1 to 3), adding up to `count`."""
    sizes = []
    while count > 0:
        size = min(count, rng.choices((1, 2, 3), weights=(70, 22, 8))[0])
        sizes.append(size)
        count -= size
    return sizes


@dataclass
class Summary:
    referrals: int
    added: int
    audit_events: int


class _Silent:
    """Stands in for tqdm's bar when no progress is shown (the tests need no tqdm)."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(*, total: int, show: bool) -> Any:
    if not show:
        return _Silent()
    from tqdm import tqdm  # the `bench` extra

    return tqdm(total=total, unit="referral", smoothing=0.05)


def _featured_plan(
    reg: Registry, scale: Scale, rng: random.Random, *, existing: int, to_add: int
) -> Iterator[int | None]:
    """The establishment each new referral goes to, in order: a featured one's id, or None
    for any. The very large establishments fill up in the first referrals ever made."""
    featured: list[int | None] = []
    if existing == 0:
        for establishment_id, quota in zip(reg.featured, scale.featured_quotas(), strict=False):
            featured += [establishment_id] * quota
        featured = featured[:to_add]
    featured += [None] * (to_add - len(featured))
    rng.shuffle(featured)
    return iter(featured)


def _start_chunk(chain: Chain, maker: Referrals, *, check_foreign_keys: bool) -> None:
    """Inside a chunk's transaction: skip the foreign keys' triggers if asked, take the
    sealer's lock, and carry on the ids and the chain from what the table holds."""
    if not check_foreign_keys and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    if not audit_sealer._holds_or_takes_lock():
        raise RuntimeError("an audit sealer is running: stop it while generating")
    chain.ids = maker.ids = _next_ids()
    last = audit.sealed().reverse().values_list("seq", "hash").first()
    chain.last_seq, chain.last_hash = (
        (int(last[0] or 0), str(last[1])) if last else (0, audit.GENESIS)
    )


def generate(
    *,
    rows: int,
    scale: int | None = None,
    seed: int = SEED,
    progress: bool = True,
    check_foreign_keys: bool = True,
    on_chunk: Callable[[], None] | None = None,
) -> Summary:
    """Makes the database hold `rows` referrals (see the module's docstring).

    `check_foreign_keys=False` loads with PostgreSQL's session_replication_role = replica,
    which skips the foreign keys' triggers (a third of the load's time at N = 1,000,000);
    CHECK and UNIQUE constraints still hold. The bench uses it; the test runs with the
    checks on, so a generator that made a dangling key would fail there."""

    existing = ReferralLetter.objects.count()
    rng = random.Random(f"{seed}:{existing}")
    writer = Writer()
    _declare_tables(writer)
    if not Office.objects.exists():
        with transaction.atomic():
            ids = _next_ids()
            build_registry(writer, ids, rng, Scale(scale or rows))
            writer.flush()
            _reset_sequences()
    reg = load_registry()
    to_add = max(0, rows - existing)
    if to_add == 0:
        return Summary(existing, 0, AuditEvent.objects.count())

    plan = _featured_plan(reg, Scale(scale or rows), rng, existing=existing, to_add=to_add)

    now = timezone.now()
    days = _working_days(now)
    sizes = _consultation_sizes(rng, to_add)
    per_day = [len(sizes) // len(days)] * len(days)
    for day in rng.sample(range(len(days)), len(sizes) % len(days)):
        per_day[day] += 1
    sizes_iter = iter(sizes)
    bar = progress_bar(total=to_add, show=progress)

    # One transaction per chunk of days, holding the sealer's lock while it is written (the
    # generator seals its own events: no sealer may run beside it).
    # Events still pending at the end of a chunk (views, results, approvals of later
    # days) are appended in a later chunk, when the clock reaches them.
    chain = Chain(writer, {}, audit.GENESIS)
    maker = Referrals(writer, {}, reg, rng, chain)
    day_index = 0
    while day_index < len(days):
        with transaction.atomic():
            _start_chunk(chain, maker, check_foreign_keys=check_foreign_keys)
            start = maker.made
            while day_index < len(days) and maker.made - start < CHUNK:
                day = days[day_index]
                opened_times = sorted(
                    datetime.datetime.combine(day, datetime.time(8, 30), JST)
                    + datetime.timedelta(seconds=rng.randrange(8 * 3600))
                    for _ in range(per_day[day_index])
                )
                for opened in opened_times:
                    opened_utc = opened.astimezone(UTC)
                    chain.emit_until(opened_utc)
                    size = next(sizes_iter)
                    maker.consultation(opened_utc, [next(plan) for _ in range(size)])
                    bar.update(size)
                day_index += 1
            if day_index == len(days):
                chain.emit_until(now + datetime.timedelta(days=1))
            writer.flush()
            _reset_sequences()
        if on_chunk is not None:
            on_chunk()
    bar.close()
    audit_sealer.release_lock()
    return Summary(existing + to_add, to_add, chain.count)


def vacuum_analyze() -> None:
    """Autovacuum may be off (it is on the bench machine): the planner needs statistics and
    index-only scans need the visibility map."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
