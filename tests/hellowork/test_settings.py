"""Settings are read once at import, so each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'debug': settings.DEBUG, "
    "'language': settings.LANGUAGE_CODE, 'tz': settings.TIME_ZONE}))"
)


def run_settings(probe=PROBE, **env):
    clean = {"PATH": os.environ["PATH"], "DJANGO_ENV_FILE": os.devnull, **env}
    clean["DJANGO_SETTINGS_MODULE"] = "hellowork.settings"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_no_environment_means_development_on_sqlite():
    result = run_settings()
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert values["debug"] is True
    assert values["language"] == "ja"
    assert values["tz"] == "Asia/Tokyo"


def test_database_url_switches_to_postgresql():
    result = run_settings(DATABASE_URL="postgres://someone@127.0.0.1:5432/somedb")
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "somedb"


OPTIONS_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)


def test_postgresql_prepares_statements_unless_told_not_to():
    # Issue 18: the planner was most of the list's database time; a pooler in transaction
    # mode cannot keep a prepared statement, hence the switch.
    url = "postgres://someone@127.0.0.1:5432/somedb"
    options = json.loads(run_settings(OPTIONS_PROBE, DATABASE_URL=url).stdout)
    assert options == {"server_side_binding": True, "prepare_threshold": 5}
    off = run_settings(OPTIONS_PROBE, DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="0")
    assert json.loads(off.stdout) == {}
    sqlite = json.loads(run_settings(OPTIONS_PROBE).stdout)
    assert "server_side_binding" not in sqlite


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings(DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="hellowork.example")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = run_settings(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY="short", DJANGO_ALLOWED_HOSTS="hellowork.example"
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 20 + "x1y2z3" * 10)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_ENV_FILE": os.devnull,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-throwaway-but-strong-key-" + "Zq8#mP2$vL9!" * 5,
        "DJANGO_ALLOWED_HOSTS": "hellowork.example",
        "AUDIT_CHECKPOINT_KEY": "another-throwaway-key-" + "Yw4%kD7&" * 4,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_an_audit_checkpoint_key():
    strong = "k" * 20 + "x1y2z3" * 10
    for key in ["", "short", strong]:  # none, weak, the secret key itself
        result = run_settings(
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=strong,
            DJANGO_ALLOWED_HOSTS="hellowork.example",
            AUDIT_CHECKPOINT_KEY=key,
        )
        assert result.returncode != 0, key
        assert "AUDIT_CHECKPOINT_KEY" in result.stderr


CLOCK = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps([settings.DISCLOSURE_HOLD_MINUTES, "
    "settings.CRITICAL_ALERT_ESCALATION_MINUTES, settings.RETRACTION_ESCALATION_MINUTES]))"
)


def test_the_demo_clock_is_short_and_a_set_variable_still_wins():
    assert json.loads(run_settings(probe=CLOCK).stdout) == [10, 30, 30]
    assert json.loads(run_settings(probe=CLOCK, DJANGO_DEMO="1").stdout) == [2, 3, 3]
    chosen = run_settings(probe=CLOCK, DJANGO_DEMO="1", DISCLOSURE_HOLD_MINUTES="10")
    assert json.loads(chosen.stdout) == [10, 3, 3]


def test_production_refuses_the_demo_clock():
    result = run_settings(
        DJANGO_DEMO="1",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-throwaway-but-strong-key-" + "Zq8#mP2$vL9!" * 5,
        DJANGO_ALLOWED_HOSTS="hellowork.example",
    )
    assert result.returncode != 0
    assert "DJANGO_DEMO" in result.stderr


def test_env_example_copied_as_it_is_runs_the_development_site():
    probe = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.DEBUG, bool(settings.SECRET_KEY), settings.DEMO]))"
    )
    result = run_settings(probe=probe, DJANGO_ENV_FILE=str(ROOT / ".env.example"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, True, False]
