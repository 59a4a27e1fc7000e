"""The bench's own PostgreSQL databases: made afresh, cloned, and switched between.

The run uses two databases on the same server: `<name>_small` with 10,000 referrals and
`<name>` with N, cloned from the small one (CREATE DATABASE ... TEMPLATE) and filled up,
so that both hold the same registry and the same very large establishments.
"""

from typing import Any

import psycopg
from django.db import connection, connections


def _maintenance(settings: dict[str, Any]) -> psycopg.Connection:
    """A connection to the server's `postgres` database, for CREATE and DROP DATABASE."""
    return psycopg.connect(
        dbname="postgres",
        user=settings["USER"],
        password=settings.get("PASSWORD") or None,
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        autocommit=True,
    )


def current_name() -> str:
    return str(connection.settings_dict["NAME"])


def exists(name: str) -> bool:
    with _maintenance(connection.settings_dict) as admin:
        row = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def recreate(name: str, *, template: str | None = None) -> None:
    """Drops `name` (with FORCE: only the bench uses it) and creates it, empty or as a copy
    of `template`. Django's connections are closed first: a template must have none."""
    connections.close_all()
    with _maintenance(connection.settings_dict) as admin:
        admin.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(name)
            )
        )
        if template is None:
            admin.execute(
                psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name))
            )
        else:
            admin.execute(
                psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    psycopg.sql.Identifier(name), psycopg.sql.Identifier(template)
                )
            )


def use(name: str) -> None:
    """Points Django's default connection at another database of the same server."""
    connections.close_all()
    connection.settings_dict["NAME"] = name


def url(name: str) -> str:
    """The DATABASE_URL of `name`, for the gunicorn workers."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{name}"


def backend_pids(name: str) -> list[int]:
    """Server processes connected to `name` (the gunicorn workers' connections)."""
    with _maintenance(connection.settings_dict) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return [pid for (pid,) in rows]


def server_facts() -> dict[str, str]:
    """The PostgreSQL version and the settings that matter for the figures."""
    names = [
        "server_version", "shared_buffers", "work_mem", "effective_cache_size", "max_connections",
        "synchronous_commit", "fsync", "wal_level", "random_page_cost", "jit", "autovacuum",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [names]
        )
        return dict(cursor.fetchall())
