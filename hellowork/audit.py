"""The audit trail: every write and every view of personal data leaves an AuditEvent.

Events form a hash chain (each row's hash covers the previous row's hash), so a row
changed behind the application's back breaks the chain at that row; `audit_verify`
finds it. The database refuses UPDATE and DELETE of audit rows (migration 0002).

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
from django.db.models import Model
from django.utils import timezone

from hellowork.models import AuditEvent, User

GENESIS = "0" * 64
# PostgreSQL advisory lock key that serialises appends to the chain ("HWAUDIT").
CHAIN_LOCK_KEY = 0x4857_4155_4449_54


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
    prev_hash: str,
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


def hash_of(event: AuditEvent) -> str:
    return event_hash(
        prev_hash=event.prev_hash,
        at=event.at,
        actor_id=event.actor_id,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        ip=event.ip,
        detail=event.detail,
    )


def _lock_chain() -> None:
    # On PostgreSQL concurrent appenders wait here until the previous one commits, so each
    # reads the true last hash. SQLite's IMMEDIATE transactions already serialise writers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def record(
    action: str,
    *,
    actor: User | None,
    target: Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction it records")
    _lock_chain()
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    context = _request.get() or NO_REQUEST
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip=context.ip,
        detail=detail or {},
        prev_hash=last or GENESIS,
    )
    # Store what the database will give back, so the hash is computed over the same values.
    event.detail = json.loads(json.dumps(event.detail, ensure_ascii=False))
    event.hash = hash_of(event)
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    reason: str


def verify(batch_size: int = 5000) -> tuple[int, BrokenLink | None]:
    """Walk the chain in order; the number of events checked and the first broken link."""
    expected_prev = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
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
