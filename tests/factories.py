"""Factories for every model, with realistic Japanese names (Faker ja_JP)."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from faker import Faker

from hellowork.models import (
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    StaffMember,
    StaffRole,
    User,
    UserKind,
)
from referrals import display_credentials
from referrals.models import CounterDisplay

factory.Faker._DEFAULT_LOCALE = "ja_JP"
_names = Faker("ja_JP")

TEST_PASSWORD = "correct horse battery staple"


def _name_and_kana() -> tuple[str, str]:
    last, last_kana, _ = _names.last_name_pair()
    first, first_kana, _ = _names.first_name_pair()
    return f"{last} {first}", f"{last_kana} {first_kana}"


class OfficeFactory(DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{7100 + n:04d}")
    name = factory.Sequence(lambda n: f"ハローワーク第{n}")
    bureau = "福島労働局"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.LazyFunction(lambda: _name_and_kana()[0])
    kind = UserKind.STAFF
    password = factory.django.Password(TEST_PASSWORD)


class StaffMemberFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory, kind=UserKind.STAFF)
    office = factory.SubFactory(OfficeFactory)
    role = StaffRole.CLERK


class EstablishmentFactory(DjangoModelFactory):
    class Meta:
        model = Establishment

    number = factory.Sequence(lambda n: f"0701-{n:06d}-{n % 10}")
    name = factory.Sequence(lambda n: f"株式会社テスト商事{n}")
    kana = "テストショウジ"
    office = factory.SubFactory(OfficeFactory)
    has_mypage = True


class EmployerMemberFactory(DjangoModelFactory):
    class Meta:
        model = EmployerMember

    user = factory.SubFactory(
        UserFactory,
        kind=UserKind.EMPLOYER,
        username=factory.Sequence(lambda n: f"member{n}@example.jp"),
        email=factory.SelfAttribute("username"),
    )
    establishment = factory.SubFactory(EstablishmentFactory)
    is_primary = False


class JobPostingFactory(DjangoModelFactory):
    class Meta:
        model = JobPosting

    number = factory.Sequence(lambda n: f"07010-{n:08d}")
    establishment = factory.SubFactory(EstablishmentFactory)
    title = "倉庫内作業員"
    status = JobPosting.Status.OPEN


class JobSeekerFactory(DjangoModelFactory):
    class Meta:
        model = JobSeeker
        exclude = ("pair",)

    pair = factory.LazyFunction(_name_and_kana)
    number = factory.Sequence(lambda n: f"07010-{n + 1:08d}")
    name = factory.LazyAttribute(lambda o: o.pair[0])
    kana = factory.LazyAttribute(lambda o: o.pair[1])
    birth_date = datetime.date(1990, 5, 17)
    office = factory.SubFactory(OfficeFactory)


class CounterDisplayFactory(DjangoModelFactory):
    """A seeker-facing display already paired (its browser's secret is "test-secret")."""

    class Meta:
        model = CounterDisplay

    office = factory.SubFactory(OfficeFactory)
    label = factory.Sequence(lambda n: f"第{n + 1}窓口")
    created_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(
        StaffMemberFactory, office=factory.SelfAttribute("..office"), role=StaffRole.SUPERVISOR
    )
    paired_at = factory.LazyFunction(timezone.now)
    device_paired_at = factory.LazyFunction(timezone.now)
    device_secret_digest = factory.LazyFunction(
        lambda: display_credentials.digest("test-secret", purpose="device")
    )
