"""The establishment's logins (issue 4, item 7): the primary member adds and removes the
others, at most Establishment.MAX_MEMBERS active, each with their own login e-mail. Every
add is an invitation that looks the same whatever the address (issue 17); the mail goes
from the worker's outbox."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from hellowork import services
from hellowork.models import AuditEvent, EmployerInvitation, EmployerMember, Establishment, User
from tests import factories


def add(by, email="kyoko@asahi.example.jp", name="田中 京子"):
    """The login the invitation made (None for an address registered elsewhere)."""
    return services.employer_member_add(by=by, email=email, name=name).member


def test_the_primary_member_adds_a_colleague_with_an_unusable_password(dave, establishment_c):
    member = add(dave, email="  Kyoko@Asahi.Example.JP ", name=" 田中　京子 ")
    user = member.user
    assert (user.username, user.email, user.kind) == (
        "kyoko@asahi.example.jp",
        "kyoko@asahi.example.jp",
        "employer",
    )
    assert user.name == "田中 京子"
    assert not user.has_usable_password() and user.is_active
    assert member.establishment == establishment_c and not member.is_primary
    event = AuditEvent.objects.get(action="employer_member.added")
    assert event.actor == dave.user
    assert "kyoko" not in str(event.detail) and "田中" not in str(event.detail)
    assert mail.outbox == []  # the worker sends it


def test_the_new_member_gets_a_link_to_set_a_password(dave, settings):
    settings.SITE_URL = "https://hellowork.example"
    add(dave)
    assert services.outbox_send() == 1
    (message,) = mail.outbox
    assert message.to == ["kyoko@asahi.example.jp"]
    assert "株式会社あさひ物流" in message.body
    assert re.search(r"https://hellowork\.example/mypage/password/set/[\w-]+/[\w-]+/", message.body)


@pytest.mark.parametrize(
    ("email", "name", "field", "message"),
    [
        ("not an address", "田中 京子", "email", "name@example.jp"),
        ("", "田中 京子", "email", "name@example.jp"),
        ("kyoko@asahi.example.jp", "  ", "name", "氏名を入力"),
        ("kyoko@asahi.example.jp", "あ" * 101, "name", "100文字以内"),
        ("k" * 140 + "@example.jp", "田中 京子", "email", "150文字以内"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(dave, email, name, field, message):
    users = User.objects.count()
    with pytest.raises(ValidationError) as caught:
        add(dave, email=email, name=name)
    assert message in " ".join(caught.value.message_dict[field])
    assert User.objects.count() == users
    assert mail.outbox == []


def test_an_address_registered_elsewhere_gets_an_invitation_that_makes_no_login(dave, erin, alice):
    alice.user.email = "alice@hellowork.example"
    alice.user.save()
    for taken in ["ERIN@asahi-logi.example.jp", "alice@hellowork.example"]:
        invitation = services.employer_member_add(by=dave, email=taken, name="誰か")
        assert invitation.member is None and invitation.email == taken.lower()
    assert EmployerMember.objects.filter(establishment=dave.establishment).count() == 1
    assert list(services.open_invitations(establishment=dave.establishment)) == list(
        EmployerInvitation.objects.all()
    )
    services.outbox_send()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@hellowork.example", erin.user.email]
    assert all("追加されていません" in m.body for m in mail.outbox)
    events = AuditEvent.objects.filter(action="employer_member.added")
    assert {e.detail["outcome"] for e in events} == {"elsewhere"}


def test_an_address_of_this_establishment_is_refused(dave):
    add(dave)
    for listed in [dave.user.email, "kyoko@asahi.example.jp"]:
        with pytest.raises(ValidationError, match="この事業所の利用者として既に登録"):
            add(dave, email=listed)
    services.employer_member_add(by=dave, email="erin@elsewhere.example.jp", name="誰か")
    with pytest.raises(ValidationError, match="この事業所の利用者として既に登録"):
        add(dave, email="erin@elsewhere.example.jp")  # an open invitation is listed too


def test_an_invitation_is_cancelled_and_frees_its_seat(dave, erin):
    colleague = add(dave)
    elsewhere = services.employer_member_add(by=dave, email=erin.user.email, name="誰か")
    assert services.seats_taken(establishment=dave.establishment) == 3
    for invitation in EmployerInvitation.objects.all():
        services.employer_invitation_cancel(invitation=invitation, by=dave)
    assert services.seats_taken(establishment=dave.establishment) == 1
    colleague.user.refresh_from_db()
    erin.user.refresh_from_db()
    assert not colleague.user.is_active and erin.user.is_active
    with pytest.raises(ValidationError, match="既に使われたか"):
        services.employer_invitation_cancel(invitation=elsewhere, by=dave)
    services.outbox_send()  # the cancelled login's link is not sent at all
    assert [m.to for m in mail.outbox] == [[erin.user.email]]


def test_an_invitation_of_another_establishment_cannot_be_cancelled(dave, erin):
    invitation = services.employer_member_add(by=erin, email="x@asahi-logi.example.jp", name="x")
    with pytest.raises(PermissionDenied):
        services.employer_invitation_cancel(invitation=invitation, by=dave)


def test_at_most_ten_active_members(dave, establishment_c):
    for n in range(Establishment.MAX_MEMBERS - 1):
        add(dave, email=f"member{n}@asahi.example.jp")
    with pytest.raises(ValidationError, match="10人まで"):
        add(dave, email="eleventh@asahi.example.jp")
    assert not User.objects.filter(username="eleventh@asahi.example.jp").exists()
    services.employer_member_remove(
        member=EmployerMember.objects.get(user__username="member0@asahi.example.jp"), by=dave
    )
    add(dave, email="eleventh@asahi.example.jp")  # the removal freed the slot
    with pytest.raises(ValidationError, match="10人まで"):  # an invitation takes a seat too
        services.employer_member_add(by=dave, email="staff@hellowork.example", name="x")


def test_only_the_primary_member_adds_and_removes(dave, establishment_c):
    colleague = add(dave)
    with pytest.raises(PermissionDenied):
        add(colleague, email="other@asahi.example.jp")
    with pytest.raises(PermissionDenied):
        services.employer_member_remove(member=dave, by=colleague)


def test_removing_deactivates_the_login_and_keeps_the_row(dave):
    colleague = add(dave)
    services.employer_member_remove(member=colleague, by=dave)
    colleague.refresh_from_db()
    colleague.user.refresh_from_db()
    assert colleague.user.is_active is False
    assert AuditEvent.objects.filter(action="employer_member.removed", actor=dave.user).exists()
    with pytest.raises(ValidationError, match="既に削除"):
        services.employer_member_remove(member=colleague, by=dave)


def test_a_removed_members_session_ends(dave, establishment_c):
    from tests.conftest import client_for

    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    client = client_for(colleague.user)
    assert client.get("/mypage/").status_code == 200
    services.employer_member_remove(member=colleague, by=dave)
    response = client.get("/mypage/")
    assert response.status_code == 302 and response.url.startswith("/mypage/login/")


def test_the_primary_member_cannot_remove_themselves(dave):
    with pytest.raises(ValidationError, match="管理者ご自身"):
        services.employer_member_remove(member=dave, by=dave)
    dave.user.refresh_from_db()
    assert dave.user.is_active


def test_another_establishments_member_cannot_be_removed(dave, erin, establishment_d):
    colleague_of_erin = factories.EmployerMemberFactory(establishment=establishment_d)
    with pytest.raises(PermissionDenied):
        services.employer_member_remove(member=colleague_of_erin, by=dave)
    colleague_of_erin.user.refresh_from_db()
    assert colleague_of_erin.user.is_active


def test_a_removed_colleague_can_be_added_back(dave):
    colleague = add(dave)
    services.outbox_send()
    services.employer_member_remove(member=colleague, by=dave)
    mail.outbox.clear()
    again = add(dave, email="KYOKO@asahi.example.jp", name="田中 京子")
    assert again.pk == colleague.pk
    again.user.refresh_from_db()
    assert again.user.is_active and not again.user.has_usable_password()
    services.outbox_send()
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(
        action="employer_member.added", detail__reactivated=True
    ).exists()


def test_another_establishments_removed_member_cannot_be_taken_over(dave, erin, establishment_d):
    colleague_of_erin = factories.EmployerMemberFactory(
        establishment=establishment_d, user__username="x@asahi-logi.example.jp"
    )
    services.employer_member_remove(member=colleague_of_erin, by=erin)
    assert add(dave, email="x@asahi-logi.example.jp") is None
    colleague_of_erin.user.refresh_from_db()
    assert not colleague_of_erin.user.is_active
    assert colleague_of_erin.establishment == establishment_d


def test_setting_the_password_is_traced_and_only_for_members(dave, alice):
    colleague = add(dave)
    services.employer_password_set(user=colleague.user, password="a long new password 1")
    colleague.user.refresh_from_db()
    assert colleague.user.check_password("a long new password 1")
    assert AuditEvent.objects.filter(action="employer_member.password_set").exists()
    with pytest.raises(PermissionDenied):
        services.employer_password_set(user=alice.user, password="a long new password 1")
