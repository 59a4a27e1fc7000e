"""The audit trail: every write and every view of personal data leaves an AuditEvent.

`record` appends the event unsealed, in the transaction it records, without any lock and
without hashing (issue 18: a lock around the hash serialised every audited request of
every server). The sealer (hellowork.audit_sealer, `manage.py audit_seal`, one worker)
then chains the committed rows a moment later: each sealed row gets its place in the chain
(`seq`) and a hash covering the previous sealed row's hash, so a row changed behind the
application's back breaks the chain at that row; `audit_verify` finds it. The database
refuses DELETE, and every UPDATE but that one seal (migrations 0003 and 0012).

Details hold ids and numbers, never names or birth dates: the trail outlives the
personal data it refers to (retention erases that, not the trail).
"""

import contextvars
import datetime
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.db.models.sql import InsertQuery
from django.utils import timezone

from hellowork.models import AuditEvent, User

GENESIS = "0" * 64


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""


NO_REQUEST = RequestContext()  # commands, workers, tests
_request: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request", default=None
)


@contextmanager
def request_context(*, ip: str, user_agent: str = "") -> Iterator[None]:
    """Where the current request comes from; set by middleware for every request."""
    token = _request.set(RequestContext(ip=ip, user_agent=user_agent[:200]))
    try:
        yield
    finally:
        _request.reset(token)


def event_hash(
    *,
    prev_hash: str | None,
    at: Any,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    ip: str,
    detail: Any,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            actor_id,
            action,
            target_type,
            target_id,
            ip,
            detail,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def hash_of(event: AuditEvent, *, prev_hash: str | None = None) -> str:
    """The event's hash over its content, chained to `prev_hash` (default: its own)."""
    return event_hash(
        prev_hash=prev_hash if prev_hash is not None else event.prev_hash,
        at=event.at,
        actor_id=event.actor_id,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        ip=event.ip,
        detail=event.detail,
    )


# The columns an append writes: not the id (the sequence gives it) nor the seal (the
# sealer's; the application's role may not write them on PostgreSQL, hellowork.db_roles).
APPENDED_FIELDS = ("at", "actor", "action", "target_type", "target_id", "ip", "detail")


def record(
    action: str,
    *,
    actor: User | None,
    target: Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event, unsealed (`seq`, `prev_hash` and `hash` empty until the sealer
    chains it). Call inside the transaction of the change it records: the event commits or
    rolls back with it. No lock and no read: concurrent appenders never wait for each
    other. RuntimeError outside a transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction it records")
    return _append(action, actor=actor, target=target, detail=detail)


def record_read(
    action: str,
    *,
    actor: User | None,
    target: Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event that records a read, not a change (rule 10: who saw whose data, the
    page views): there is no change for it to commit or roll back with, so outside a
    transaction it is one INSERT in autocommit, one round trip instead of BEGIN, INSERT and
    COMMIT (issue 18). Inside a transaction it joins it, like `record`."""
    return _append(action, actor=actor, target=target, detail=detail)


def _append(
    action: str, *, actor: User | None, target: Model | None, detail: dict[str, Any] | None
) -> AuditEvent:
    context = _request.get() or NO_REQUEST
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip=context.ip,
        detail=detail or {},
    )
    # What the database will give back (the sealer hashes the stored values).
    event.detail = json.loads(json.dumps(event.detail, ensure_ascii=False))
    params = [field.get_db_prep_save(field.pre_save(event, True), connection) for field in _FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(), params)
        (event.pk,) = cursor.fetchone()
    event._state.adding = False
    event._state.db = connection.alias
    return event


_FIELDS: "list[Field[Any, Any]]" = [
    field
    for name in APPENDED_FIELDS
    if isinstance(field := AuditEvent._meta.get_field(name), Field)
]
_INSERT_SQL: dict[tuple[str, str], str] = {}


def _insert_sql() -> str:
    """The append's INSERT ... RETURNING id, compiled by the ORM once per database and
    reused: its text never changes, and compiling it was a third of an append's CPU (issue
    18, the chain's profile). The values still go through each field's own preparation."""
    key = (connection.alias, connection.vendor)
    if key not in _INSERT_SQL:
        if not connection.features.can_return_columns_from_insert:
            raise NotImplementedError("The audit trail needs INSERT ... RETURNING.")
        query = InsertQuery(AuditEvent)
        query.insert_values(_FIELDS, [AuditEvent(at=timezone.now(), detail={})])
        compiler = query.get_compiler(using=connection.alias)
        compiler.returning_fields = AuditEvent._meta.db_returning_fields
        ((sql, _),) = compiler.as_sql()
        _INSERT_SQL[key] = sql
    return _INSERT_SQL[key]


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    reason: str


def sealed() -> Any:
    """The sealed events in chain order (`seq`): the part of the trail the chain covers."""
    return AuditEvent.objects.filter(seq__isnull=False).order_by("seq")


def verify(batch_size: int = 5000) -> tuple[int, BrokenLink | None]:
    """Walk the sealed chain in order (`seq`); the number of events checked and the first
    broken link. Unsealed events are not part of the chain yet
    (hellowork.audit_sealer.tail reports them)."""
    expected_prev = GENESIS
    checked = 0
    for event in sealed().iterator(chunk_size=batch_size):
        if event.prev_hash != expected_prev:
            return checked, BrokenLink(event.id, "prev_hash does not match the previous event")
        if hash_of(event) != event.hash:
            return checked, BrokenLink(event.id, "hash does not match the event's content")
        expected_prev = event.hash
        checked += 1
    return checked, None


# SQLite's triggers allow DELETE only while this is set: the sanctioned reset is
# `manage.py flush` (our override), which the tests' database teardown also uses.
_erasable = contextvars.ContextVar("audit_erasable", default=False)


@contextmanager
def erasure_allowed() -> Iterator[None]:
    token = _erasable.set(True)
    try:
        yield
    finally:
        _erasable.reset(token)


def sqlite_erasable() -> int:
    return int(_erasable.get())
