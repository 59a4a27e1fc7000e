"""The protection screens (rule 13), the banner on every counter screen of a protected
seeker, and what no document outside the counter shows: the address or phone."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from hellowork import services as registry
from hellowork.models import AuditEvent, SeekerProtection, StaffRole
from referrals import services
from referrals.models import Alert
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import called_draft, consult, issue_in_person, pending, retract

PHONE = "090-4321-8765"
EMAIL = "hanako.private@example.jp"
BANNER = "保護対象の求職者"
FULL_WIDTH_C = "0704-100001-3".translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))


@pytest.fixture
def protected(seeker_a, bob, establishment_d):
    seeker_a.phone, seeker_a.email = PHONE, EMAIL
    seeker_a.save()
    registry.seeker_protection_set(
        seeker=seeker_a, supervisor=bob, reason="支援措置の申出", establishments=[establishment_d]
    )
    return seeker_a


def test_a_supervisor_protects_a_seeker_by_establishment_number_full_width_allowed(
    bob, seeker_a, establishment_c
):
    client = client_for(bob.user)
    url = reverse("seeker_protection", args=[seeker_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "保護を設定する" in page.text
    assert page["Cache-Control"].count("no-store")
    response = client.post(
        url,
        {"seeker": seeker_a.pk, "establishments": FULL_WIDTH_C + "\n", "reason": "支援措置"},
    )
    assert response.status_code == 302
    protection = SeekerProtection.objects.get()
    assert list(protection.excluded.all()) == [establishment_c]
    page = client.get(url).text
    assert establishment_c.name in page and "支援措置" in page
    assert AuditEvent.objects.filter(action="seeker.viewed", detail__screen="protection").exists()


def test_an_unknown_establishment_number_or_a_stale_screen_is_refused_on_the_form(
    bob, seeker_a, koriyama
):
    client = client_for(bob.user)
    url = reverse("seeker_protection", args=[seeker_a.pk])
    response = client.post(
        url, {"seeker": seeker_a.pk, "establishments": "0704-999999-9", "reason": "理由"}
    )
    assert response.status_code == 400 and "登録のない事業所番号" in response.text
    other = factories.JobSeekerFactory(office=koriyama)
    response = client.post(url, {"seeker": other.pk, "establishments": "", "reason": "理由"})
    assert response.status_code == 400
    assert not SeekerProtection.objects.exists()


def test_clerks_get_403_and_another_office_finds_nothing(alice, carol, seeker_a):
    url = reverse("seeker_protection", args=[seeker_a.pk])
    assert client_for(alice.user).get(url).status_code == 403
    assert client_for(carol.user).get(url).status_code == 404
    assert client_for(carol.user).post(url, {"seeker": seeker_a.pk}).status_code == 404


def test_lifting_through_the_screens_takes_a_supervisor_and_another_manager(
    bob, manager, protected
):
    url = reverse("seeker_protection", args=[protected.pk])
    supervisor = client_for(bob.user)
    response = supervisor.post(
        reverse("protection_lift_request", args=[protected.pk]),
        {"seeker": protected.pk, "reason": "本人から解除の申出"},
    )
    assert response.status_code == 302
    page = supervisor.get(url).text
    assert "別の所長・管理者" in page and "保護を解除する" not in page
    boss = client_for(manager.user)
    assert "保護を解除する" in boss.get(url).text
    response = boss.post(
        reverse("protection_lift_approve", args=[protected.pk]), {"seeker": protected.pk}
    )
    assert response.status_code == 302
    assert not SeekerProtection.objects.get().is_active
    assert "解除した保護" in boss.get(url).text


def test_the_banner_is_on_every_counter_screen_of_the_protected_seeker(
    alice, bob, protected, posting_c, establishment_d
):
    clerk = client_for(alice.user)
    consultation = consult(protected, alice, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    issued = issue_in_person(
        protected, alice, factories.JobPostingFactory(establishment=posting_c.establishment)
    )
    for url in (
        reverse("seeker_detail", args=[protected.pk]),
        reverse("consultation_detail", args=[consultation.pk]),
        reverse("referral_detail", args=[referral.pk]),
        reverse("referral_detail", args=[issued.pk]),
        reverse("referral_letter", args=[issued.pk]),
    ):
        page = clerk.get(url).text
        assert BANNER in page, url
        assert establishment_d.number in page, url
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = clerk.get(reverse("seeker_detail", args=[protected.pk])).text
    assert "Protected job seeker" in page and "Cannot be referred to" in page


def test_the_approval_screen_of_a_protected_seeker_has_the_banner(
    alice, protected, posting_c, koriyama
):
    other_supervisor = factories.StaffMemberFactory(office=koriyama, role=StaffRole.SUPERVISOR)
    referral = pending(protected, alice, posting_c)
    page = client_for(other_supervisor.user).get(reverse("approval_detail", args=[referral.pk]))
    assert BANNER in page.text


def test_no_banner_for_a_seeker_not_protected(alice, seeker_a):
    page = client_for(alice.user).get(reverse("seeker_detail", args=[seeker_a.pk])).text
    assert BANNER not in page


def test_the_drafting_screen_refuses_an_excluded_establishment(alice, protected, posting_d):
    consultation = consult(protected, alice, in_person=False, apply=[posting_d])
    response = client_for(alice.user).post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": protected.pk, "posting": posting_d.pk},
        follow=True,
    )
    assert "保護の対象" in response.text
    assert not protected.consultations.filter(referrals__isnull=False).exists()


def test_no_letter_my_page_email_or_report_shows_the_address_or_phone(
    no_hold, alice, bob, manager, protected, posting_c, dave
):
    """Rule 13. The registry holds the seeker's phone and e-mail (no address field yet):
    they reach the counter's callback screen and nothing that leaves it."""
    referral = issue_in_person(protected, alice, posting_c)
    disclosure = referral.disclosure
    services.employer_notifications_send()
    employer = client_for(dave.user)
    pages = [
        client_for(alice.user).get(reverse("referral_letter", args=[referral.pk])).text,
        employer.get(reverse("mypage_home")).text,
        employer.get(reverse("mypage_applicant", args=[disclosure.public_id])).text,
        employer.get(reverse("mypage_letter", args=[disclosure.public_id])).text,
    ]
    incident = retract(referral, requester=alice, supervisor=bob)
    services.employer_withdrawal_notices_send()
    pages.append(
        client_for(bob.user).get(reverse("incident_report_print", args=[incident.pk])).text
    )
    pages += [message.body + message.subject for message in mail.outbox]
    assert len(mail.outbox) >= 2
    for page in pages:
        assert PHONE not in page and EMAIL not in page
    assert Alert.objects.filter(kind="protected_disclosure").count() == 0
