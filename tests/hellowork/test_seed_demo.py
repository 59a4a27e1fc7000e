import re

from django.apps import apps
from django.core.management import call_command

from hellowork.models import (
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    StaffMember,
    StaffRole,
)
from referrals import services
from referrals.models import CounterDisplay


def row_counts():
    return {model.__name__: model.objects.count() for model in apps.get_models()}


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", verbosity=0)
    first = row_counts()
    snapshot = list(JobSeeker.objects.values_list("number", "name", "kana", "birth_date"))
    call_command("seed_demo", verbosity=0)
    assert row_counts() == first
    assert list(JobSeeker.objects.values_list("number", "name", "kana", "birth_date")) == snapshot


def test_seed_demo_builds_the_fukushima_bureau(db):
    call_command("seed_demo", verbosity=0)
    assert set(Office.objects.values_list("name", flat=True)) == {
        "ハローワーク福島",
        "ハローワーク平",
        "ハローワーク郡山",
    }
    for office in Office.objects.all():
        roles = list(StaffMember.objects.filter(office=office).values_list("role", flat=True))
        assert roles.count(StaffRole.CLERK) >= 3
        assert roles.count(StaffRole.SUPERVISOR) >= 2
        assert roles.count(StaffRole.MANAGER) >= 1
        establishments = Establishment.objects.filter(office=office)
        assert establishments.filter(has_mypage=True).count() >= 2
        assert establishments.filter(has_mypage=False, postings__status="open").exists()
    assert 25 <= Establishment.objects.count() <= 35
    with_mypage = Establishment.objects.filter(has_mypage=True)
    assert not with_mypage.filter(members=None).exists()
    assert EmployerMember.objects.count() >= with_mypage.count()
    assert 70 <= JobPosting.objects.filter(status="open").count() <= 90
    assert JobPosting.objects.filter(status="closed").exists()
    seekers = JobSeeker.objects.all()
    assert 45 <= seekers.count() <= 55
    assert len(set(seekers.values_list("name", flat=True))) == seekers.count()


def test_seed_demo_prints_the_logins(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "kor-clerk1" in out
    assert "saiyo@asahi-butsuryu.example.jp" in out
    assert "hellowork-demo" in out
    # A pairing code for each of Koriyama's desks, and each one pairs a display.
    assert "http://127.0.0.1:8000/display/" in out
    codes = re.findall(r"(第\d窓口)  pairing code (\d{5}-\d{5})", out)
    assert [label for label, _code in codes] == ["第1窓口", "第2窓口", "第3窓口"]
    for _label, code in codes:
        services.display_pairing_redeem(code=code, ip="127.0.0.1")
    assert (
        CounterDisplay.objects.filter(office__code="0704", device_paired_at__isnull=False).count()
        == 3
    )
