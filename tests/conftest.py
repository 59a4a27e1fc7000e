"""Shared fixtures, and the one home of the personas:

- alice is a clerk, bob a supervisor, frank a second supervisor and `manager` the 所長
  (manager, with an address for the mails managers get) at Koriyama;
- carol is a supervisor at Fukushima (another office);
- dave is the primary member of Koriyama's establishment C, `colleague` another member of
  C; erin is the primary member of establishment D; grace the primary member of
  establishment E, under Fukushima;
- root is the system administrator (a superuser);
- `counter` is alice's logged-in client, `dave_client` dave's."""

import datetime

import pytest
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from hellowork import db_roles, otp
from hellowork.models import StaffRole
from tests import factories

# Hypothesis budgets: `dev` for make test, `ci` for .ci/run (--hypothesis-profile ci),
# `deep` for make invariants. Examples talk to a database: no deadline.
_patient = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("dev", max_examples=15, stateful_step_count=25, **_patient)
hypothesis_settings.register_profile("ci", max_examples=100, stateful_step_count=30, **_patient)
hypothesis_settings.register_profile("deep", max_examples=3000, stateful_step_count=40, **_patient)
hypothesis_settings.load_profile("dev")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """With DATABASE_OWNER_URL (make test-postgres, CI): the test database is created and
    migrated by the tables' owner..."""
    db_roles.become_owner()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """...and the tests run as the application's role, which owns nothing (issue 17)."""
    db_roles.become_app()
    yield
    db_roles.become_owner()  # the owner drops the test database


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """LocaleMiddleware leaves a request's language active in the thread: after a test that
    asked for English, the next one would get English messages from the services."""
    yield
    translation.deactivate()


@pytest.fixture
def koriyama(db):
    return factories.OfficeFactory(code="0704", name="ハローワーク郡山")


@pytest.fixture
def fukushima(db):
    return factories.OfficeFactory(code="0701", name="ハローワーク福島")


@pytest.fixture
def alice(koriyama):
    return factories.StaffMemberFactory(
        user__username="alice", user__name="佐藤 アリス", office=koriyama, role=StaffRole.CLERK
    )


@pytest.fixture
def bob(koriyama):
    return factories.StaffMemberFactory(
        user__username="bob", user__name="鈴木 ボブ", office=koriyama, role=StaffRole.SUPERVISOR
    )


@pytest.fixture
def frank(koriyama):
    """A second supervisor of Koriyama (rules that want two: a maker and a checker)."""
    return factories.StaffMemberFactory(
        user__username="frank", user__name="統括 二人目", office=koriyama, role=StaffRole.SUPERVISOR
    )


@pytest.fixture
def manager(koriyama):
    """Koriyama's 所長, with the address escalations and incident mails go to."""
    return factories.StaffMemberFactory(
        user__username="mgr",
        user__name="所長 マネ",
        user__email="shocho@koriyama.example.jp",
        office=koriyama,
        role=StaffRole.MANAGER,
    )


@pytest.fixture
def root(db):
    """The system administrator (the admin site)."""
    return factories.UserFactory(
        username="root", name="管理 太郎", kind="staff", is_staff=True, is_superuser=True
    )


@pytest.fixture
def carol(fukushima):
    return factories.StaffMemberFactory(
        user__username="carol",
        user__name="高橋 キャロル",
        office=fukushima,
        role=StaffRole.SUPERVISOR,
    )


@pytest.fixture
def establishment_c(koriyama):
    return factories.EstablishmentFactory(
        number="0704-100001-3", name="株式会社あさひ物流", kana="アサヒブツリュウ", office=koriyama
    )


@pytest.fixture
def establishment_d(koriyama):
    return factories.EstablishmentFactory(
        number="0704-100002-1", name="株式会社朝日物流", kana="アサヒブツリュウ", office=koriyama
    )


@pytest.fixture
def dave(establishment_c):
    return factories.EmployerMemberFactory(
        user__username="dave@asahi.example.jp", establishment=establishment_c, is_primary=True
    )


@pytest.fixture
def erin(establishment_d):
    return factories.EmployerMemberFactory(
        user__username="erin@asahi-logi.example.jp", establishment=establishment_d, is_primary=True
    )


@pytest.fixture
def colleague(establishment_c):
    """A member of establishment C who is not its primary member."""
    return factories.EmployerMemberFactory(establishment=establishment_c)


@pytest.fixture
def establishment_e(fukushima):
    """An establishment under Fukushima, whose member checks codes Koriyama issued."""
    return factories.EstablishmentFactory(
        number="0701-200003-5", name="福島精工株式会社", kana="フクシマセイコウ", office=fukushima
    )


@pytest.fixture
def grace(establishment_e):
    return factories.EmployerMemberFactory(establishment=establishment_e, is_primary=True)


@pytest.fixture
def counter(alice):
    return client_for(alice.user)


@pytest.fixture
def dave_client(dave):
    return client_for(dave.user)


def client_for(user, *, verified: bool = True) -> Client:
    """A client logged in as `user`, past the second factor unless verified=False."""
    client = Client()
    client.force_login(user)
    if verified:
        verify_second_factor(client, user)
    return client


def verify_second_factor(client: Client, user) -> None:
    if user.kind == "employer":
        device = otp.email_device(user)
    else:
        device = TOTPDevice.objects.get_or_create(
            user=user, name="authenticator", defaults={"confirmed": True}
        )[0]
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def seeker_a(koriyama):
    return factories.JobSeekerFactory(
        number="07040-00001234",
        name="山田 花子",
        kana="ヤマダ ハナコ",
        birth_date=datetime.date(1990, 5, 17),
        office=koriyama,
    )


@pytest.fixture
def posting_c(establishment_c):
    return factories.JobPostingFactory(
        number="07040-12345678", establishment=establishment_c, title="倉庫内作業員"
    )


@pytest.fixture
def posting_d(establishment_d):
    return factories.JobPostingFactory(
        number="07040-87654321", establishment=establishment_d, title="配送ドライバー"
    )


# -- the employer my page -------------------------------------------------------------


@pytest.fixture
def no_hold(settings):
    """Applicants are visible the moment their letter is issued."""
    settings.DISCLOSURE_HOLD_MINUTES = 0


@pytest.fixture
def applicant_c(no_hold, alice, seeker_a, posting_c):
    """seeker_a, referred by alice to establishment C and visible on its my page."""
    from tests.referrals.helpers import issue_in_person

    return issue_in_person(seeker_a, alice, posting_c).disclosure
