"""Issue 17: the trail's owner cannot rewrite it unseen once its head is anchored outside
the database. Each tampering below is what a database owner (or anyone with the app's
former owner credentials) could do; each must make `audit_verify` exit non-zero and name
the break."""

import json
import os
from importlib import import_module

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from hellowork import audit, audit_checkpoints, db_roles
from hellowork.models import AuditEvent
from tests.db_owner import raw_cursor, seal_audit_trail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "anchors"
    settings.AUDIT_CHECKPOINT_KEY = "k" * 40
    return settings.AUDIT_CHECKPOINT_DIR


def append(n):
    """n events, sealed as the sealer would (the chain and its checkpoints are the sealed
    part of the trail)."""
    with transaction.atomic():
        events = [audit.record("test.event", actor=None, detail={"n": i}) for i in range(n)]
    seal_audit_trail()
    return list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("id"))


def as_owner(*statements, replica=False):
    """SQL as the table's owner would run it, out of the append-only trigger's way: on
    PostgreSQL by disabling the trigger or by `session_replication_role = replica` (which
    skips triggers without any DDL, as a superuser); on SQLite by dropping the triggers."""
    if replica:
        with superuser() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SET LOCAL session_replication_role = replica")
            for statement, params in statements:
                cursor.execute(statement, params)
            cursor.execute("COMMIT")
        return
    with db_roles.as_owner(), transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE hellowork_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS hellowork_auditevent_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS hellowork_auditevent_no_delete")
        for statement, params in statements:
            cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE hellowork_auditevent ENABLE TRIGGER USER")


def superuser():
    """A cursor as the cluster's superuser (POSTGRES_SUPERUSER, default postgres, on the
    test database's host): only a superuser may set session_replication_role."""
    return raw_cursor(user=os.environ.get("POSTGRES_SUPERUSER", "postgres"))


@pytest.fixture(autouse=True)
def restore_sqlite_triggers():
    yield
    if connection.vendor == "sqlite":  # put back what as_owner dropped
        module = import_module("hellowork.migrations.0012_audit_sealer")
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS hellowork_auditevent_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS hellowork_auditevent_no_delete")
            for statement in module.SQLITE_UP:
                cursor.execute(statement)


def verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    return str(failure.value)


def test_an_intact_anchored_chain_verifies_and_says_what_is_not_yet_anchored(capsys):
    append(3)
    checkpoint = audit_checkpoints.write()
    assert (checkpoint.count, checkpoint.head_id) == (3, AuditEvent.objects.last().id)
    assert audit_checkpoints.write() is None  # the head has not moved: nothing written
    append(2)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "5 events verified against 1 checkpoints" in out
    assert "2 events not yet anchored" in out


def test_without_any_checkpoint_verify_warns_that_nothing_is_anchored(capsys):
    append(1)
    call_command("audit_verify")
    assert "No checkpoint yet" in capsys.readouterr().out


@pytest.mark.parametrize("replica", [False, True])
def test_deleting_the_last_event_is_found(replica):
    if replica and connection.vendor != "postgresql":
        pytest.skip("session_replication_role is PostgreSQL's")
    events = append(3)
    audit_checkpoints.write()
    as_owner(("DELETE FROM hellowork_auditevent WHERE id = %s", [events[-1].id]), replica=replica)
    assert audit.verify()[1] is None  # the chain alone still looks whole
    message = verify_fails()
    assert f"event {events[-1].id} is missing" in message
    assert "the table ends at event" in message


def test_truncating_the_table_is_found():
    append(3)
    audit_checkpoints.write()
    if connection.vendor == "postgresql":
        as_owner(("TRUNCATE hellowork_auditevent", None))
    else:
        as_owner(("DELETE FROM hellowork_auditevent", None))
    assert audit.verify() == (0, None)  # "intact: 0"
    append(1)  # and the chain restarts at genesis
    assert "is missing" in verify_fails()


def test_deleting_a_middle_event_and_rehashing_the_rest_is_found():
    events = append(4)
    first_anchor = audit_checkpoints.write()
    events += append(3)
    audit_checkpoints.write()
    victim = events[5]
    statements = [("DELETE FROM hellowork_auditevent WHERE id = %s", [victim.id])]
    previous = events[4].hash
    for event in events[6:]:
        event.prev_hash = previous
        event.hash = audit.hash_of(event)
        statements.append(
            (
                "UPDATE hellowork_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [event.prev_hash, event.hash, event.id],
            )
        )
        previous = event.hash
    as_owner(*statements)
    assert audit.verify()[1] is None  # rehashed with the project's own function
    message = verify_fails()
    assert f"event {events[-1].id} has another hash" in message
    assert f"after event {first_anchor.head_id}, up to event {events[-1].id}" in message


def test_a_changed_event_is_found_by_the_chain_itself():
    events = append(3)
    audit_checkpoints.write()
    as_owner(
        (
            "UPDATE hellowork_auditevent SET detail = %s WHERE id = %s",
            [json.dumps({"n": 42}), events[1].id],
        )
    )
    assert f"event {events[1].id}: its hash does not match" in verify_fails()


def test_a_forged_or_altered_checkpoint_is_refused(checkpoint_dir):
    append(2)
    audit_checkpoints.write()
    (path,) = checkpoint_dir.glob("checkpoints-*.jsonl")
    record = json.loads(path.read_text())
    record["count"] = 1  # someone without the key "fixes" the anchor after a deletion
    path.write_text(json.dumps(record) + "\n")
    assert "signature is not the checkpoint key's" in verify_fails()


def test_the_checkpoint_command_appends_and_mails_the_bureau(settings, checkpoint_dir):
    settings.AUDIT_CHECKPOINT_EMAIL = "audit@bureau.example"
    append(2)
    call_command("audit_checkpoint")
    append(1)
    call_command("audit_checkpoint")
    call_command("audit_checkpoint")  # unchanged: nothing more
    (path,) = checkpoint_dir.glob("checkpoints-*.jsonl")
    assert len(path.read_text().splitlines()) == 2
    assert (path.stat().st_mode & 0o777) == 0o600
    assert len(mail.outbox) == 2
    assert mail.outbox[-1].to == ["audit@bureau.example"]
    assert '"count":3' in mail.outbox[-1].body
