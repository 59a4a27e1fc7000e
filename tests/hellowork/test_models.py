import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hellowork.models import Establishment, JobPosting, JobSeeker, StaffMember, User
from tests import factories


def test_full_clean_normalises_full_width_numbers(koriyama):
    seeker = JobSeeker(
        number="０７０４０－００００１２３４",
        name="山田 花子",
        kana="ヤマダ ハナコ",
        birth_date="1990-01-01",
        office=koriyama,
    )
    seeker.full_clean()
    assert seeker.number == "07040-00001234"


def test_full_clean_refuses_a_malformed_number_with_the_shape(koriyama):
    establishment = Establishment(number="0704-1-1", name="x", kana="エックス", office=koriyama)
    with pytest.raises(ValidationError) as caught:
        establishment.full_clean()
    assert "0701-123456-7" in caught.value.message_dict["number"][0]


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (JobPosting, {"number": "7010-1"}),
        (JobPosting, {"status": "paused"}),
        (JobPosting, {"wage_min": 300_000, "wage_max": 200_000}),
        (JobSeeker, {"kana": "やまだ"}),  # hiragana: kana columns hold katakana
        (Establishment, {"number": "0701-123456"}),
        (StaffMember, {"role": "boss"}),
        (User, {"kind": "robot"}),
    ],
)
def test_database_refuses_what_the_shapes_and_choices_forbid(koriyama, model, values):
    obj = {
        JobPosting: lambda: factories.JobPostingFactory(establishment__office=koriyama),
        JobSeeker: lambda: factories.JobSeekerFactory(office=koriyama),
        Establishment: lambda: factories.EstablishmentFactory(office=koriyama),
        StaffMember: lambda: factories.StaffMemberFactory(office=koriyama),
        User: lambda: factories.UserFactory(),
    }[model]()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=obj.pk).update(**values)


def test_numbers_are_unique(koriyama):
    factories.JobSeekerFactory(number="07040-00000001", office=koriyama)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.JobSeekerFactory(number="07040-00000001", office=koriyama)


def test_one_primary_member_per_establishment(establishment_c):
    factories.EmployerMemberFactory(establishment=establishment_c, is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.EmployerMemberFactory(establishment=establishment_c, is_primary=True)


def test_login_emails_are_unique_whatever_the_case(db):
    factories.UserFactory(email="hr@example.jp")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.UserFactory(email="HR@example.jp")


def test_age_counts_whole_years(koriyama):
    import datetime

    seeker = factories.JobSeekerFactory(birth_date=datetime.date(2000, 6, 10), office=koriyama)
    assert seeker.age_on(datetime.date(2025, 6, 9)) == 24
    assert seeker.age_on(datetime.date(2025, 6, 10)) == 25
