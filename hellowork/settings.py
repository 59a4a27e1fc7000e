"""One settings file, read from the environment (see .env.example for every variable).

With no environment at all the project runs in development mode on an embedded SQLite
file. DJANGO_DEBUG=0 is production: it refuses to start without a real secret key and
allowed hosts, and turns on every protection that `check --deploy` asks for.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
ENV_FILE = Path(os.environ.get("DJANGO_ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    env.read_env(ENV_FILE)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# The development key is public on purpose: production refuses it.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[] if not DEBUG else ["*"])

if not DEBUG:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(set(SECRET_KEY)) < 5 or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG=0) needs DJANGO_SECRET_KEY: a random value of at "
            "least 50 characters, e.g. from `python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'`."
        )
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG=0) needs DJANGO_ALLOWED_HOSTS: the host names "
            "this site answers to, comma-separated (no '*')."
        )

INSTALLED_APPS = [
    "hellowork",
    "referrals",
    "counter",
    "employer_portal",
    "hellowork.admin_config.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_email",
    "axes",
    "import_export",  # the registry import in the admin (hellowork.admin_import)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hellowork.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hellowork.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "hellowork.middleware.NoStoreMiddleware",
    "hellowork.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves its collected static files itself; runserver does it in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "hellowork.urls"
WSGI_APPLICATION = "hellowork.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "counter.context_processors.counter",
            ],
        },
    },
]

FORM_RENDERER = "hellowork.forms_renderer.FormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
    # failing half-way; WAL lets the dev server read while a command writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Server-side binding lets psycopg prepare what a connection runs again and again (from
    # the 5th run): the my page's list queries each spent 1-2 ms in PostgreSQL's planner
    # for under 1 ms of execution (issue 18). Turn it off (0) behind a pooler in
    # transaction mode, which cannot keep a prepared statement with its connection.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )

# Least privilege (hellowork.db_roles): with DATABASE_OWNER_URL set, DATABASE_URL's role owns
# nothing and may only SELECT and INSERT the audit trail; migrate and flush run as the owner.
DATABASE_OWNER = env.db("DATABASE_OWNER_URL") if env.str("DATABASE_OWNER_URL", default="") else None
DATABASE_APP = {key: DATABASES["default"].get(key) for key in ("USER", "PASSWORD", "HOST", "PORT")}
DATABASE_APP_ROLE = DATABASE_APP["USER"]
if DATABASE_OWNER is not None and (
    DATABASE_OWNER["NAME"] != DATABASES["default"]["NAME"]
    or DATABASE_OWNER["USER"] == DATABASE_APP_ROLE
):
    raise ImproperlyConfigured(
        "DATABASE_OWNER_URL must name the same database as DATABASE_URL, as another role "
        "(the tables' owner; DATABASE_URL's role is the application's, which owns nothing)."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "hellowork.User"

# The registry import in the admin (issue 16): a permission of its own per model
# (`hellowork.import_jobseeker`...); the audit trail, not the admin's log, records it.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "staff_login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out usernames first
    "django.contrib.auth.backends.ModelBackend",
]
# Database sessions, an update saved in one statement (hellowork.sessions, issue 18).
SESSION_ENGINE = "hellowork.sessions"
SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day; counter sessions also end at browser close
# Flash messages live in the session (the database), not in a cookie: the admin's say the
# record's name ("求職者「07010-… 山田 花子」を変更しました"), and a cookie is only signed.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Counter PCs are shared: a counter session ends after this many idle minutes.
COUNTER_IDLE_MINUTES = env.int("DJANGO_COUNTER_IDLE_MINUTES", default=15)

# Second factor (hellowork.otp). Supervisors, managers and administrators always need TOTP.
CLERK_OTP_REQUIRED = env.bool("DJANGO_CLERK_OTP_REQUIRED", default=True)
EMPLOYER_OTP_REQUIRED = True
TRUSTED_BROWSER_DAYS = 30
OTP_TOTP_ISSUER = "Hello Work referrals"
OTP_EMAIL_SUBJECT = "【ハローワーク】求人者マイページの確認コード / Hello Work my page code"
OTP_EMAIL_BODY_TEMPLATE_PATH = "hellowork/email/otp_code.txt"
OTP_EMAIL_TOKEN_VALIDITY = 300

# Lockout (django-axes, hellowork.login_throttle): failed logins are counted three ways,
# each with its own limit, and a login is refused (with the wrong-password answer) for the
# cool-off while any count is at its limit. Per username from one address: a stranger
# elsewhere locks only themselves out of that account, never the person at the office.
# Per address across usernames: spraying many usernames from one address stops. Per
# username from every address together: guessing from many machines stops too.
AXES_FAILURE_LIMIT: int = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS: int = env.int("DJANGO_LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20)
LOGIN_FAILURE_LIMIT_PER_USERNAME: int = env.int(
    "DJANGO_LOGIN_FAILURE_LIMIT_PER_USERNAME", default=50
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_HANDLER = "hellowork.login_throttle.LoginThrottleHandler"
AXES_COOLOFF_TIME = env.float("DJANGO_LOGIN_COOLOFF_HOURS", default=0.25)
# A refused login counts nothing more: hammering a locked account from one address cannot
# add up to the per-username limit that would lock it everywhere.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The address the audit trail records (the proxy's X-Forwarded-For when behind one).
AXES_CLIENT_IP_CALLABLE = "hellowork.middleware.client_ip"
# models.W040: SQLite (development and the default test run) ignores the INCLUDE columns
# of the covering indexes in referrals; production and CI run PostgreSQL, which uses them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "hellowork.auth_views.axes_username"
AXES_LOCKOUT_CALLABLE = "hellowork.auth_views.lockout_response"
AXES_VERBOSE = False  # its log lines name the username (an e-mail address)
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit trail

LANGUAGE_CODE = "ja"
# Each language is named in itself, as a language switch should show it.
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# British date formats in English (hellowork/formats/en); Japanese keeps Django's.
FORMAT_MODULE_PATH = ["hellowork.formats"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Development prints e-mail to the console, decoded (hellowork.mail); production sends it
# through SMTP.
EMAIL_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
_mail_backend = env.str(
    "DJANGO_EMAIL_BACKEND",
    default="hellowork.mail.EmailBackend" if DEBUG else EMAIL_SMTP_BACKEND,
)
MAILERS = {
    "default": {
        "BACKEND": _mail_backend,
        "OPTIONS": {
            "host": env.str("DJANGO_EMAIL_HOST", default="localhost"),
            "port": env.int("DJANGO_EMAIL_PORT", default=25),
            "username": env.str("DJANGO_EMAIL_USER", default=""),
            "password": env.str("DJANGO_EMAIL_PASSWORD", default=""),
            "use_tls": env.bool("DJANGO_EMAIL_USE_TLS", default=False),
        }
        if _mail_backend == EMAIL_SMTP_BACKEND
        else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="noreply@hellowork.example")
OTP_EMAIL_SENDER = DEFAULT_FROM_EMAIL

# Security headers. No inline script anywhere: a script that is needed carries the nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto and X-Forwarded-For.
BEHIND_TLS_PROXY = env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "hellowork.log_masking.MaskPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # runserver's request lines (with their query strings) go through the mask too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Days personal data of disclosures and consultation notes is kept (erase_expired_personal_data).
RETENTION_DAYS = env.int("DJANGO_RETENTION_DAYS", default=3 * 365)

# `make run` sets DJANGO_DEMO=1: the demo's clock is short (the hold 2 minutes, critical
# alerts and retractions escalating after 3) so that an employer's arrival e-mail and a
# manager's escalation appear in its terminal within minutes. A variable that is set still
# wins. Development only: production's times are the ones below.
DEMO = env.bool("DJANGO_DEMO", default=False)
if DEMO and not DEBUG:
    raise ImproperlyConfigured("DJANGO_DEMO=1 is for `make run` in development (DJANGO_DEBUG=1).")

# Minutes between issuing a referral and the employer seeing it (DESIGN.md rule 7).
DISCLOSURE_HOLD_MINUTES = env.int("DISCLOSURE_HOLD_MINUTES", default=2 if DEMO else 10)

# An in-person consultation closes by itself after this many minutes without any action in
# it, and at the end of its day (DESIGN.md rule 3b); then only an approval issues its drafts.
CONSULTATION_IDLE_MINUTES = env.int("CONSULTATION_IDLE_MINUTES", default=30)
# Minutes a display's one-time pairing code can be typed into the display's browser.
DISPLAY_PAIRING_CODE_MINUTES = env.int("DISPLAY_PAIRING_CODE_MINUTES", default=30)

# The address of this site as employers reach it, for links in e-mails (no trailing slash).
SITE_URL: str = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Referral code checks on the my page (DESIGN.md rule 9): at most this many per member and
# per establishment within the window, counted in the database.
CODE_CHECK_LIMIT_PER_MEMBER = env.int("CODE_CHECK_LIMIT_PER_MEMBER", default=10)
CODE_CHECK_LIMIT_PER_ESTABLISHMENT = env.int("CODE_CHECK_LIMIT_PER_ESTABLISHMENT", default=10)
CODE_CHECK_WINDOW_MINUTES = env.int("CODE_CHECK_WINDOW_MINUTES", default=60)

# When it goes wrong anyway (DESIGN.md rule 8): days from an incident's opening to the
# deadline of each of its tasks, hours an alert may stay unresolved, minutes a retraction may
# wait for its supervisor. Anything past its time is e-mailed once to the office's managers
# by `escalate_overdue`.
INCIDENT_TELL_SEEKER_DAYS = env.int("INCIDENT_TELL_SEEKER_DAYS", default=1)
INCIDENT_APOLOGY_DAYS = env.int("INCIDENT_APOLOGY_DAYS", default=3)
INCIDENT_PRELIMINARY_REPORT_DAYS = env.int("INCIDENT_PRELIMINARY_REPORT_DAYS", default=3)
INCIDENT_FINAL_REPORT_DAYS = env.int("INCIDENT_FINAL_REPORT_DAYS", default=30)
ALERT_ESCALATION_HOURS = env.int("ALERT_ESCALATION_HOURS", default=24)
# A critical alert (an employer's misdelivery report, a foreign code, a locked referral:
# DESIGN.md rules 11 and 12) left undecided this long goes to the managers.
CRITICAL_ALERT_ESCALATION_MINUTES = env.int(
    "CRITICAL_ALERT_ESCALATION_MINUTES", default=3 if DEMO else 30
)
# A retraction waiting for its supervisor leaves the applicant on the wrong employer's my
# page: it escalates in minutes, not hours.
RETRACTION_ESCALATION_MINUTES = env.int("RETRACTION_ESCALATION_MINUTES", default=3 if DEMO else 30)
for _name in (
    "INCIDENT_TELL_SEEKER_DAYS",
    "INCIDENT_APOLOGY_DAYS",
    "INCIDENT_PRELIMINARY_REPORT_DAYS",
    "INCIDENT_FINAL_REPORT_DAYS",
    "ALERT_ESCALATION_HOURS",
    "CRITICAL_ALERT_ESCALATION_MINUTES",
    "RETRACTION_ESCALATION_MINUTES",
    "CONSULTATION_IDLE_MINUTES",
    "DISPLAY_PAIRING_CODE_MINUTES",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more.")
if INCIDENT_FINAL_REPORT_DAYS < INCIDENT_PRELIMINARY_REPORT_DAYS:
    raise ImproperlyConfigured(
        "INCIDENT_FINAL_REPORT_DAYS must not be shorter than INCIDENT_PRELIMINARY_REPORT_DAYS."
    )

# The audit chain's anchors (DESIGN.md rule 10; hellowork.audit_checkpoints): `manage.py
# audit_checkpoint` appends the chain's signed head to files in AUDIT_CHECKPOINT_DIR, a place
# outside the database, signed with AUDIT_CHECKPOINT_KEY, a key the database never holds; a
# copy may go by e-mail to AUDIT_CHECKPOINT_EMAIL (the bureau). Whoever can rewrite the
# table cannot rewrite what was anchored without the key: `audit_verify` finds it.
DEVELOPMENT_AUDIT_CHECKPOINT_KEY = "development-only-audit-checkpoint-key-never-in-production"
AUDIT_CHECKPOINT_KEY = env.str(
    "AUDIT_CHECKPOINT_KEY", default=DEVELOPMENT_AUDIT_CHECKPOINT_KEY if DEBUG else ""
)
AUDIT_CHECKPOINT_DIR = Path(
    env.str("AUDIT_CHECKPOINT_DIR", default=str(BASE_DIR / "var" / "audit-checkpoints"))
)
AUDIT_CHECKPOINT_EMAIL = env.str("AUDIT_CHECKPOINT_EMAIL", default="")
# The sealer (hellowork.audit_sealer, `manage.py audit_seal`): past this many seconds of lag
# (the oldest unsealed event's age) the dashboard shows it in red to managers and the
# `escalate_overdue` worker logs an error, the operators' alarm.
AUDIT_SEAL_ALARM_SECONDS: int = env.int("AUDIT_SEAL_ALARM_SECONDS", default=60)
if not DEBUG and (
    AUDIT_CHECKPOINT_KEY in ("", DEVELOPMENT_AUDIT_CHECKPOINT_KEY, SECRET_KEY)
    or len(AUDIT_CHECKPOINT_KEY) < 32
):
    raise ImproperlyConfigured(
        "Production mode (DJANGO_DEBUG=0) needs AUDIT_CHECKPOINT_KEY: a random value of at "
        "least 32 characters, not the secret key, kept out of the database and its backups."
    )
