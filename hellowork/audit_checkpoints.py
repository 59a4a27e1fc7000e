"""Anchors for the audit chain, kept outside the database (DESIGN.md rule 10, issue 17).

The hash chain (hellowork.audit) shows a row changed behind the application's back, but
whoever owns the table can delete rows and recompute every later hash with the project's
own function, cut the tail off, or truncate it all, and the chain alone still looks whole.
A checkpoint is the chain's head at a moment (last id, its hash, how many events up to it,
when), signed with HMAC-SHA256 under AUDIT_CHECKPOINT_KEY, a key the database never holds,
and appended as one JSON line to a file in AUDIT_CHECKPOINT_DIR (one file a month, opened
append-only). `verify_anchored` then holds the table to every checkpoint: a checkpointed
head that is missing, or whose hash or count differs, is a break, named between the last
checkpoint that still matches and the first that does not.

Since issue 18 the chain is the sealed part of the trail, in the sealer's order (`seq`,
hellowork.audit_sealer): a checkpoint anchors the sealed head, and its `count` is the
number of sealed events up to it, which is also the head's place in the chain. Events not
sealed yet are reported apart (their number and the oldest's age: the sealer's lag).

What this cannot see: events appended after the last checkpoint and removed before the
next ("not yet anchored": the report gives their number and age, so run the checkpoint
every few minutes), unsealed events removed before the sealer reached them (seconds), and someone who holds both the key and write access to the checkpoint
files (keep them apart from the database's owner: docs/SECURITY.md).
"""

import datetime
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from hellowork import audit, audit_sealer
from hellowork.models import AuditEvent


class CheckpointError(Exception):
    """A checkpoint file that cannot be trusted: unreadable, or a line whose signature is
    not the key's (written or altered by someone without it)."""


@dataclass(frozen=True)
class Checkpoint:
    """The sealed chain's head at `at`: event `head_id` (0 for an empty chain) with
    `head_hash`, and `count` sealed events up to it (its place in the chain, `seq`)."""

    head_id: int
    head_hash: str
    count: int
    at: datetime.datetime

    def payload(self) -> str:
        return json.dumps(
            {
                "at": self.at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
                "count": self.count,
                "head_hash": self.head_hash,
                "head_id": self.head_id,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    def signature(self, key: str) -> str:
        return hmac.new(key.encode(), self.payload().encode(), hashlib.sha256).hexdigest()

    def line(self, key: str) -> str:
        record = json.loads(self.payload())
        record["signature"] = self.signature(key)
        return json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"

    def describe(self) -> str:
        at = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M:%S")
        return f"the checkpoint of {at} (head event {self.head_id}, {self.count} events)"


def _directory(directory: Path | None) -> Path:
    return Path(directory if directory is not None else settings.AUDIT_CHECKPOINT_DIR)


def _key(key: str | None) -> str:
    return key if key is not None else settings.AUDIT_CHECKPOINT_KEY


def read(*, directory: Path | None = None, key: str | None = None) -> list[Checkpoint]:
    """Every checkpoint in the directory's files, oldest first. CheckpointError naming the
    file and line for a line that is not JSON or whose signature is not the key's."""
    found: list[Checkpoint] = []
    folder, secret = _directory(directory), _key(key)
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("checkpoints-*.jsonl")):
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
                checkpoint = Checkpoint(
                    head_id=int(record["head_id"]),
                    head_hash=str(record["head_hash"]),
                    count=int(record["count"]),
                    at=datetime.datetime.fromisoformat(record["at"]),
                )
                signature = str(record["signature"])
            except (ValueError, KeyError, TypeError) as error:
                raise CheckpointError(f"{path.name} line {number}: not a checkpoint") from error
            if not hmac.compare_digest(signature, checkpoint.signature(secret)):
                raise CheckpointError(
                    f"{path.name} line {number}: the signature is not the checkpoint key's "
                    "(written or changed by someone without the key)"
                )
            found.append(checkpoint)
    # In chain order: a checkpoint's place is its count (a later head may have a lower id).
    return sorted(found, key=lambda c: (c.count, c.at))


def head() -> Checkpoint:
    """The sealed chain's head now (not yet signed or written)."""
    last = audit.sealed().reverse().values_list("id", "hash", "seq").first()
    head_id, head_hash, head_seq = last if last is not None else (0, audit.GENESIS, 0)
    return Checkpoint(
        head_id=head_id,
        head_hash=head_hash,
        count=audit.sealed().filter(seq__lte=head_seq).count(),
        at=timezone.now(),
    )


def write(*, directory: Path | None = None, key: str | None = None) -> Checkpoint | None:
    """Append the head to this month's file (created owner-read/write only, opened with
    O_APPEND, flushed to disk). None, writing nothing, when the head has not moved since
    the last checkpoint."""
    folder, secret = _directory(directory), _key(key)
    now = head()
    earlier = read(directory=folder, key=secret)
    if earlier and (earlier[-1].head_id, earlier[-1].head_hash) == (now.head_id, now.head_hash):
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"checkpoints-{now.at.astimezone(datetime.UTC):%Y-%m}.jsonl"
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, now.line(secret).encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return now


@dataclass(frozen=True)
class Report:
    """What `verify_anchored` found. `broken` names the first break (None when the table
    agrees with the chain and every checkpoint); `checked` sealed events were walked;
    `anchored` is the last checkpoint the table matches; `unanchored` sealed events came
    after the last checkpoint, the oldest at `unanchored_since`; `unsealed` events are not
    in the chain yet, the oldest at `unsealed_since` (the sealer's lag)."""

    checked: int
    checkpoints: int
    broken: str | None
    anchored: Checkpoint | None
    unanchored: int
    unanchored_since: datetime.datetime | None
    unsealed: int = 0
    unsealed_since: datetime.datetime | None = None


def _checkpoint_mismatch(checkpoint: Checkpoint, event: AuditEvent, checked: int) -> str | None:
    """What is wrong with a checkpoint whose place (`count`) is this event's, the
    `checked`-th walked, or None when its head event, hash and count all agree."""
    if checkpoint.head_id != event.id:
        return (
            f"event {checkpoint.head_id} is missing from its place "
            f"{checkpoint.count} (event {event.id} is there)"
        )
    if checkpoint.head_hash != event.hash:
        return f"event {event.id} has another hash"
    if checkpoint.count != checked:
        return f"{checked} events up to event {event.id}, not {checkpoint.count}"
    return None


def verify_anchored(
    *, directory: Path | None = None, key: str | None = None, batch_size: int = 5000
) -> Report:
    """The sealed chain walked in its order (each event's hash and link, as
    `audit.verify`) and held to every checkpoint: the checkpointed head event must be at
    its place (`count`) with the same hash, with as many events up to it. The unsealed
    tail is counted, not walked. CheckpointError if a checkpoint file cannot be trusted."""
    checkpoints = read(directory=directory, key=key)
    pending = list(checkpoints)
    matched: Checkpoint | None = None
    expected_prev, checked = audit.GENESIS, 0
    last_id = 0

    def moved(checkpoint: Checkpoint, what: str) -> str:
        after = f"after event {matched.head_id}" if matched else "from the first event"
        return (
            f"{what}, against {checkpoint.describe()}: events were deleted or rewritten "
            f"{after}, up to event {checkpoint.head_id}"
        )

    def report(broken: str | None) -> Report:
        return Report(checked, len(checkpoints), broken, matched, 0, None)

    while pending and pending[0].head_id == 0:  # anchored an empty chain
        matched = pending.pop(0)
    for event in audit.sealed().iterator(chunk_size=batch_size):
        if event.prev_hash != expected_prev:
            return report(f"event {event.id}: its link does not match the previous event")
        if audit.hash_of(event) != event.hash:
            return report(f"event {event.id}: its hash does not match its content")
        if pending and pending[0].count < (event.seq or 0):
            return report(moved(pending[0], f"event {pending[0].head_id} is missing"))
        checked += 1
        expected_prev, last_id = event.hash, event.id
        while pending and pending[0].count == event.seq:
            checkpoint = pending.pop(0)
            mismatch = _checkpoint_mismatch(checkpoint, event, checked)
            if mismatch is not None:
                return report(moved(checkpoint, mismatch))
            matched = checkpoint
    if pending:
        return report(
            moved(
                pending[0],
                f"the table ends at event {last_id}; event {pending[0].head_id} is missing",
            )
        )
    anchored_through = matched.count if matched else 0
    tail = audit.sealed().filter(seq__gt=anchored_through)
    oldest = tail.values_list("at", flat=True).first()
    unsealed = audit_sealer.tail()
    return Report(
        checked,
        len(checkpoints),
        None,
        matched,
        tail.count(),
        oldest,
        unsealed.unsealed,
        unsealed.oldest_at,
    )
