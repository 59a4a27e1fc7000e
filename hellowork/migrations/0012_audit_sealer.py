"""The audit chain off the critical path (issue 18): appends insert unsealed rows, and the
sealer (`manage.py audit_seal`, hellowork.audit_sealer) chains them afterwards.

- `prev_hash` and `hash` may be empty (NULL: not sealed yet); `seq` is the row's place in
  the chain, given by the sealer when it seals (1, 2, 3, ...; unique). The chain runs in
  `seq` order, not id order: on PostgreSQL ids are given at insert and rows become
  visible at commit, so a lower id may appear after a higher one was sealed; it is then
  sealed in the next batch, after it (docs/SECURITY.md, "The sealer").
- Existing rows (hashed in id order by the former `audit.record`) get `seq` in id order,
  so their hashes and every checkpoint written before still verify.
- The append-only triggers now allow exactly one UPDATE of a row: the seal, from unsealed
  (hash NULL) to sealed (seq, prev_hash and hash set), changing no other column. A sealed
  row can never change again; DELETE stays refused. On PostgreSQL the application's role
  has no UPDATE privilege at all (hellowork.db_roles): the sealer runs as the owner.
- A partial index on the unsealed rows keeps the sealer's "first unsealed rows in id
  order" and the lag's "oldest unsealed" small however long the trail is.
"""

from django.db import migrations, models

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION hellowork_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    -- The one change allowed: sealing an unsealed row, touching nothing but the seal.
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND OLD.seq IS NULL AND OLD.prev_hash IS NULL
       AND NEW.hash IS NOT NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash'
           = to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash'
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'hellowork_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
"""
# The function of 0003: every UPDATE refused.
POSTGRES_DOWN = """
CREATE OR REPLACE FUNCTION hellowork_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'hellowork_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
"""
SQLITE_UP = [
    """CREATE TRIGGER hellowork_auditevent_no_update BEFORE UPDATE ON hellowork_auditevent
    WHEN NOT (
        OLD.hash IS NULL AND OLD.seq IS NULL AND OLD.prev_hash IS NULL
        AND NEW.hash IS NOT NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL
        AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor_id IS OLD.actor_id
        AND NEW.action IS OLD.action AND NEW.target_type IS OLD.target_type
        AND NEW.target_id IS OLD.target_id AND NEW.ip IS OLD.ip AND NEW.detail IS OLD.detail
    )
    BEGIN SELECT RAISE(ABORT, 'hellowork_auditevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER hellowork_auditevent_no_delete BEFORE DELETE ON hellowork_auditevent
    WHEN NOT hellowork_audit_erasable()
    BEGIN SELECT RAISE(ABORT, 'hellowork_auditevent is append-only: DELETE refused'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS hellowork_auditevent_no_update",
    "DROP TRIGGER IF EXISTS hellowork_auditevent_no_delete",
]
# Existing rows were chained in id order: their place in the chain is their rank by id.
BACKFILL = """
UPDATE hellowork_auditevent SET seq = ranked.n
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM hellowork_auditevent) AS ranked
WHERE hellowork_auditevent.id = ranked.id
"""
SQLITE_BACKFILL = """
UPDATE hellowork_auditevent
SET seq = (SELECT COUNT(*) FROM hellowork_auditevent AS earlier
           WHERE earlier.id <= hellowork_auditevent.id)
"""


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE hellowork_auditevent DISABLE TRIGGER hellowork_auditevent_append_only"
        )
        schema_editor.execute(BACKFILL)
        schema_editor.execute(
            "ALTER TABLE hellowork_auditevent ENABLE TRIGGER hellowork_auditevent_append_only"
        )
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        # Altering the columns rebuilt the table, which took its triggers with it.
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)
        schema_editor.execute(SQLITE_BACKFILL)
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        module = __import__(
            "hellowork.migrations.0003_auditevent_append_only", fromlist=["SQLITE_UP"]
        )
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)
        for statement in module.SQLITE_UP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("hellowork", "0011_office_contact_and_establishment_access")]
    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(hash__isnull=True), fields=["id"], name="auditevent_unsealed"
            ),
        ),
        migrations.RunPython(up, down),
    ]
