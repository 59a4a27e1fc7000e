"""The admin inside the audit trail (issue 16, DESIGN.md rules 10 and 13).

A walk through every registry admin's HTTP views as a super-user: each add, change and
retirement leaves its AuditEvent (registry.created / registry.changed) with field names
and no personal values; each delete is refused with a message and changes nothing. The
seeker admin traces its lists and records, and never searches by a name in a URL."""

import datetime
import json
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from hellowork import admin as registry_admin
from hellowork import audit
from hellowork import services as registry
from hellowork.models import (
    AuditEvent,
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    StaffMember,
    User,
)
from referrals import services
from referrals.models import Alert, SelfInspectionItem
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import pending

PASSWORD = "Kx9!vQ2#mZ7p-long"


@pytest.fixture
def client(root):
    return client_for(root)


def url(model: type, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response) -> dict[str, Any]:
    """What the admin form would post back as it stands (its initial values)."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        else:
            data[name] = str(value)
    return data


def post_form(client, page: str, values: dict[str, Any], drop: tuple[str, ...] = ()):
    response = client.get(page)
    assert response.status_code == 200
    data = {**form_data(response), **values, "_save": "1"}
    for name in drop:
        data.pop(name, None)
    answer = client.post(page, data)
    if answer.status_code != 302:
        form = answer.context["adminform"].form
        raise AssertionError(f"{page}: {form.errors.as_data()}")
    return answer


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def assert_no_values(event: AuditEvent, *values: str) -> None:
    text = json.dumps(event.detail, ensure_ascii=False)
    for value in values:
        assert value not in text, (event.action, value)


@pytest.fixture
def world(koriyama, establishment_c, establishment_d, posting_c, seeker_a):
    """What the walk's new records point at: a staff login and an employer login without a
    seat yet, and an establishment without a primary member."""
    return {
        "office": koriyama,
        "staff_user": factories.UserFactory(username="s-tanaka", name="田中 一郎", kind="staff"),
        "employer_user": factories.UserFactory(
            username="sato@example.jp", email="sato@example.jp", name="佐藤 次郎", kind="employer"
        ),
        "establishment": establishment_d,
    }


# Per model: what to add, what to change afterwards (and the field names the trail must
# then say), the personal values that must never reach the trail, and what retiring sets.
def walk_specs(world: dict[str, Any]) -> dict[type, dict[str, Any]]:
    office = world["office"]
    return {
        Office: {
            "add": {"code": "0705", "name": "ハローワーク白河", "bureau": "福島労働局"},
            "change": {"bureau": "宮城労働局"},
            "changed": ["bureau"],
            "personal": [],
            "retired": None,
        },
        User: {
            "add": {
                "username": "newclerk",
                "name": "新井 健太",
                "email": "arai@example.jp",
                "kind": "staff",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
            "change": {"name": "新井 健二", "email": "arai2@example.jp"},
            "changed": ["email", "name"],
            "personal": ["新井", "arai", PASSWORD],
            "retired": lambda record: not record.is_active,
        },
        StaffMember: {
            "add": {"user": world["staff_user"].pk, "office": office.pk, "role": "clerk"},
            "change": {"role": "supervisor"},
            "changed": ["role"],
            "personal": ["田中"],
            "retired": lambda record: not record.user.is_active,
        },
        Establishment: {
            "add": {
                "number": "0704-100009-5",
                "name": "有限会社安積運輸",
                "kana": "アサカウンユ",
                "office": office.pk,
                "address": "郡山市安積町1-2",
                "has_mypage": "on",
            },
            "change": {"has_mypage": ""},
            "changed": ["has_mypage"],
            "personal": ["郡山市安積町"],
            "retired": lambda record: record.retired_at is not None,
        },
        EmployerMember: {
            "add": {"user": world["employer_user"].pk, "establishment": world["establishment"].pk},
            "change": {"is_primary": "on"},
            "changed": ["is_primary"],
            "personal": ["佐藤", "sato@"],
            "retired": lambda record: not record.user.is_active,
        },
        JobPosting: {
            "add": {
                "number": "07040-55550001",
                "establishment": world["establishment"].pk,
                "title": "フォークリフト作業",
                "status": "open",
                "employment_type": "full_time",
            },
            "change": {"establishment": Establishment.objects.get(number="0704-100001-3").pk},
            "changed": ["establishment"],
            "personal": [],
            "retired": lambda record: record.status == "closed",
        },
        JobSeeker: {
            "add": {
                "number": "07040-00009999",
                "name": "髙橋 﨑子",
                "kana": "タカハシ サキコ",
                "birth_date": "1985-02-03",
                "office": office.pk,
                "phone": "024-999-0001",
                "email": "saki@example.jp",
            },
            "change": {"name": "髙橋 咲子", "birth_date": "1985-02-04"},
            "changed": ["birth_date", "name"],
            "personal": ["髙橋", "﨑子", "咲子", "タカハシ", "1985", "024-999", "saki@"],
            "retired": lambda record: record.retired_at is not None,
        },
        SelfInspectionItem: {
            "add": {"text": "机の上に他人の紹介状がないか", "order": "7", "active": "on"},
            "change": {"active": ""},
            "changed": ["active"],
            "personal": [],
            "retired": None,
        },
    }


def test_every_admin_of_the_registry_is_a_registry_admin():
    """No admin of ours writes outside the one path; the third-party admins that would
    (groups, authenticator devices) are not offered."""
    ours = {
        model
        for model in admin.site._registry
        if model._meta.app_label in ("hellowork", "referrals")
    }
    assert ours == {
        Office,
        User,
        StaffMember,
        Establishment,
        EmployerMember,
        JobPosting,
        JobSeeker,
        SelfInspectionItem,
    }
    for model in ours:
        assert isinstance(admin.site._registry[model], registry_admin.RegistryAdmin), model
    assert TOTPDevice not in admin.site._registry
    assert all(
        model._meta.app_label in ("hellowork", "referrals", "axes")
        for model in admin.site._registry
    )


def test_a_walk_through_every_registry_admin_leaves_a_trace_of_each_write(client, root, world):
    specs = walk_specs(world)
    assert set(specs) == {
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, registry_admin.RegistryAdmin)
    }
    for model, spec in specs.items():
        label = model._meta.label_lower
        # -- add ---------------------------------------------------------------------
        before = AuditEvent.objects.count()
        post_form(client, url(model, "add"), spec["add"])
        created = last_event("registry.created")
        assert created.id > before and created.target_type == label, label
        assert created.actor == root
        record = model._default_manager.get(pk=created.target_id)
        given = {name for name in spec["add"] if name not in ("password1", "password2")}
        assert given <= set(created.detail["fields"]), (label, created.detail)
        assert_no_values(created, *spec["personal"])
        # -- change ------------------------------------------------------------------
        post_form(client, url(model, "change", record.pk), spec["change"])
        changed = last_event("registry.changed")
        assert changed.target_type == label and changed.target_id == str(record.pk)
        assert changed.detail == {"fields": spec["changed"]}, label
        assert_no_values(changed, *spec["personal"])
        # -- delete: refused, nothing changed (the page it returns to may be a traced view)
        writes = AuditEvent.objects.exclude(action="seeker.viewed")
        events = writes.count()
        for method in (client.get, client.post):
            answer = method(url(model, "delete", record.pk), follow=True)
            assert answer.redirect_chain[0][1] == 302, label
            text = " ".join(str(message) for message in answer.context["messages"])
            assert "削除できません" in text, (label, text)
        assert model._default_manager.filter(pk=record.pk).exists()
        assert writes.count() == events, label
        # -- retire --------------------------------------------------------------------
        if spec["retired"] is not None:
            answer = client.post(
                url(model, "changelist"),
                {"action": "retire_selected", "_selected_action": [record.pk]},
            )
            assert answer.status_code == 302, label
            record = model._default_manager.get(pk=record.pk)
            assert spec["retired"](record), label
            retired = last_event("registry.changed")
            assert retired.detail["fields"] in (
                ["retired_at"],
                ["status"],
                ["is_active"],
            ), label
    assert not LogEntry.objects.exists()  # the trail is the history; it keeps no names


def test_the_delete_action_is_not_offered_and_retire_is(client, seeker_a):
    page = client.get(url(JobSeeker, "changelist"))
    actions = dict(page.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and "retire_selected" in actions


def test_a_retire_refused_for_one_record_changes_none(client, root, koriyama):
    other = factories.UserFactory(username="other-admin", kind="staff")
    events = AuditEvent.objects.count()
    answer = client.post(
        url(User, "changelist"),
        {"action": "retire_selected", "_selected_action": [other.pk, root.pk]},
        follow=True,
    )
    text = " ".join(str(message) for message in answer.context["messages"])
    assert "何も変更していません" in text and "自分自身" in text
    other.refresh_from_db()
    assert other.is_active and AuditEvent.objects.count() == events


def test_retiring_an_establishment_closes_its_postings_each_traced(
    root, establishment_c, posting_c
):
    registry.registry_retire(record=establishment_c, by=root)
    posting_c.refresh_from_db()
    assert posting_c.status == "closed"
    traced = {
        (event.target_type, tuple(event.detail["fields"]))
        for event in AuditEvent.objects.filter(action="registry.changed")
    }
    assert traced == {
        ("hellowork.establishment", ("retired_at",)),
        ("hellowork.jobposting", ("status",)),
    }
    with pytest.raises(ValidationError):
        registry.registry_retire(record=establishment_c, by=root)


def test_a_retired_seeker_is_not_found_at_the_counter_and_opens_no_consultation(
    root, alice, seeker_a
):
    from referrals import selectors

    assert selectors.seeker_search(query="ヤマダ").seekers == [seeker_a]
    registry.registry_retire(record=seeker_a, by=root)
    assert selectors.seeker_search(query="ヤマダ").seekers == []
    with pytest.raises(ValidationError) as refused:
        services.consultation_open(seeker=seeker_a, staff=alice, in_person=False)
    assert "登録は終了" in " ".join(refused.value.messages)


def test_a_seekers_name_changed_in_the_admin_under_a_pending_approval_warns(
    client, alice, seeker_a, posting_c
):
    referral = pending(seeker_a, alice, posting_c)
    post_form(client, url(JobSeeker, "change", seeker_a.pk), {"name": "山田 花"})
    alert = Alert.objects.get(kind="registry_changed")
    assert alert.referral == referral and alert.detail["fields"] == ["name"]


def test_retiring_a_seeker_under_a_pending_approval_warns(root, alice, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    registry.registry_retire(record=seeker_a, by=root)
    alert = Alert.objects.get(kind="registry_changed")
    assert alert.referral == referral and alert.detail["fields"] == ["retired_at"]


def test_a_staff_role_and_a_primary_flag_changed_in_the_admin_are_traced(client, alice, dave, erin):
    post_form(client, url(StaffMember, "change", alice.pk), {"role": "manager"})
    alice.refresh_from_db()
    assert alice.role == "manager"
    assert last_event("registry.changed").detail == {"fields": ["role"]}
    # A second primary member of one establishment: the form says so, nothing is written.
    other = factories.EmployerMemberFactory(establishment=dave.establishment)
    events = AuditEvent.objects.count()
    page = url(EmployerMember, "change", other.pk)
    data = {**form_data(client.get(page)), "is_primary": "on", "_save": "1"}
    answer = client.post(page, data)
    assert answer.status_code == 200
    assert "管理者は1事業所に1人" in str(answer.context["adminform"].form.errors)
    assert AuditEvent.objects.count() == events
    other.refresh_from_db()
    assert not other.is_primary


def test_a_staff_seat_needs_a_staff_login(client, koriyama, dave):
    page = url(StaffMember, "add")
    data = {**form_data(client.get(page)), "user": dave.user.pk, "office": koriyama.pk}
    answer = client.post(page, {**data, "role": "clerk", "_save": "1"})
    assert answer.status_code == 200
    assert "種類が「職員」" in str(answer.context["adminform"].form.errors)
    assert not StaffMember.objects.filter(user=dave.user).exists()


def test_an_administrator_sets_a_password_through_the_trail(client, alice):
    page = reverse("admin:auth_user_password_change", args=[alice.user.pk])
    answer = client.post(
        page, {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"}
    )
    assert answer.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.check_password(PASSWORD)
    event = last_event("registry.changed")
    assert event.target_id == str(alice.user.pk) and event.detail == {"fields": ["password"]}
    assert_no_values(event, PASSWORD, alice.user.password)


def test_an_employers_address_changed_in_the_admin_moves_its_login(client, dave):
    post_form(client, url(User, "change", dave.user.pk), {"email": "Dave2@Asahi.example.jp"})
    dave.user.refresh_from_db()
    assert dave.user.username == dave.user.email == "dave2@asahi.example.jp"


# -- the seeker admin's views -----------------------------------------------------------


def test_the_seeker_list_and_record_are_traced_views(client, root, seeker_a, koriyama):
    second = factories.JobSeekerFactory(office=koriyama)
    response = client.get(url(JobSeeker, "changelist"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    listed = last_event("seeker.listed")
    assert listed.actor == root
    assert listed.detail == {"screen": "admin", "seeker_ids": sorted([seeker_a.pk, second.pk])}
    response = client.get(url(JobSeeker, "change", seeker_a.pk))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    viewed = last_event("seeker.viewed")
    assert viewed.detail == {"seeker_id": seeker_a.pk, "screen": "admin"}
    assert viewed.target_id == str(seeker_a.pk)
    client.get(url(JobSeeker, "history", seeker_a.pk))
    assert AuditEvent.objects.filter(action="seeker.viewed").count() == 2


def test_the_seeker_list_reads_a_fixed_number_of_queries(client, koriyama):
    factories.JobSeekerFactory(office=koriyama)
    client.get(url(JobSeeker, "changelist"))  # the session's first read, cached afterwards
    with CaptureQueriesContext(connection) as one:
        client.get(url(JobSeeker, "changelist"))
    factories.JobSeekerFactory.create_batch(49, office=koriyama)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url(JobSeeker, "changelist"))
    assert len(last_event("seeker.listed").detail["seeker_ids"]) == 50
    assert response.status_code == 200

    def reads(captured):  # the session's own read comes and goes with its cache
        return [q for q in captured.captured_queries if "django_session" not in q["sql"]]

    assert len(reads(fifty)) == len(reads(one))


def test_a_name_in_the_url_searches_nothing(client, seeker_a, koriyama):
    other = factories.JobSeekerFactory(office=koriyama, name="鈴木 一郎", kana="スズキ イチロウ")
    response = client.get(url(JobSeeker, "changelist"), {"q": "ヤマダ"})
    shown = set(last_event("seeker.listed").detail["seeker_ids"])
    assert shown == {seeker_a.pk, other.pk}  # not narrowed by the name
    html = response.content.decode()
    assert 'name="q"' not in html  # no GET search box to type a name into
    assert 'method="post"' in html and url(JobSeeker, "posted_search") in html


@pytest.mark.parametrize(
    ("term", "kind"), [("やまだ", "name"), ("ﾔﾏﾀﾞ", "name"), ("００００１２３４", "number")]
)
def test_the_posted_search_finds_by_name_or_number_without_a_url(
    client, root, seeker_a, koriyama, term, kind
):
    factories.JobSeekerFactory(office=koriyama, name="鈴木 一郎", kana="スズキ イチロウ")
    response = client.post(url(JobSeeker, "posted_search"), {"term": term})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "山田 花子" in html and "鈴木" not in html
    assert url(JobSeeker, "change", seeker_a.pk) in html
    listed = last_event("seeker.listed")
    assert listed.detail == {"screen": "admin", "seeker_ids": [seeker_a.pk], "by": kind}
    assert_no_values(listed, term, "ヤマダ")


def test_a_posted_search_too_short_is_refused_and_traces_nothing(client, seeker_a):
    response = client.post(url(JobSeeker, "posted_search"), {"term": "12"})
    assert response.status_code == 400
    assert "4桁以上" in response.content.decode()
    assert not AuditEvent.objects.filter(action="seeker.listed").exists()


def test_the_users_admin_searches_by_a_posted_form_only(client, alice, bob):
    response = client.get(url(User, "changelist"), {"q": "佐藤"})
    assert 'name="q"' not in response.content.decode()
    assert response.context["cl"].result_count == User.objects.count()
    found = client.post(url(User, "posted_search"), {"term": "佐藤"})
    html = found.content.decode()
    assert "alice" in html and "bob" not in html


def test_nobody_but_an_administrator_reaches_the_admin_search(alice, seeker_a):
    answer = client_for(alice.user).post(url(JobSeeker, "posted_search"), {"term": "やまだ"})
    assert answer.status_code == 302  # to the login
    assert not AuditEvent.objects.filter(action="seeker.listed").exists()


# -- the second factor's enrolment ----------------------------------------------------


def test_enrolling_an_authenticator_commits_with_its_event_or_not_at_all(alice, monkeypatch):
    device = TOTPDevice.objects.create(user=alice.user, name="authenticator", confirmed=False)

    def broken(*args, **kwargs):
        raise RuntimeError("the trail is down")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        registry.staff_totp_enroll(user=alice.user, device=device)
    device.refresh_from_db()
    assert not device.confirmed
    monkeypatch.undo()
    registry.staff_totp_enroll(user=alice.user, device=device)
    device.refresh_from_db()
    assert device.confirmed
    event = last_event("auth.otp_enrolled")
    assert event.actor == alice.user
    with pytest.raises(ValidationError):  # a second enrolment (another tab) is refused
        registry.staff_totp_enroll(user=alice.user, device=device)


def test_an_authenticator_of_someone_else_is_not_enrolled(alice, bob):
    device = TOTPDevice.objects.create(user=bob.user, name="authenticator", confirmed=False)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        registry.staff_totp_enroll(user=alice.user, device=device)
    device.refresh_from_db()
    assert (
        not device.confirmed and not AuditEvent.objects.filter(action="auth.otp_enrolled").exists()
    )


def test_the_birth_date_is_a_date_for_the_service(root, seeker_a):
    registry.registry_change(
        record=seeker_a, by=root, changes={"birth_date": datetime.date(1990, 5, 18)}
    )
    assert last_event("registry.changed").detail == {"fields": ["birth_date"]}


def test_the_check_sheets_inline_list_edits_take_the_same_traced_path(client, root):
    item = SelfInspectionItem.objects.create(text="施錠の確認", order=1, active=True)
    page = url(SelfInspectionItem, "changelist")
    formset = client.get(page).context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "_save": "1",
    }
    for form in formset.forms:
        data[f"{form.prefix}-id"] = str(form.instance.pk)
        data[f"{form.prefix}-order"] = str(form.instance.order)
        if form.instance.active and form.instance.pk != item.pk:
            data[f"{form.prefix}-active"] = "on"
    assert client.post(page, data).status_code == 302
    item.refresh_from_db()
    assert not item.active
    event = last_event("registry.changed")
    assert event.target_type == "referrals.selfinspectionitem"
    assert event.target_id == str(item.pk) and event.detail == {"fields": ["active"]}
    assert event.actor == root


def test_a_retirement_made_by_mistake_is_undone_and_traced(client, root, seeker_a, posting_c):
    establishment = posting_c.establishment
    registry.registry_retire(record=seeker_a, by=root)
    registry.registry_retire(record=establishment, by=root)
    for model, record in ((JobSeeker, seeker_a), (Establishment, establishment)):
        answer = client.post(
            url(model, "changelist"),
            {"action": "restore_selected", "_selected_action": [record.pk]},
        )
        assert answer.status_code == 302
        record.refresh_from_db()
        assert record.retired_at is None
        event = last_event("registry.changed")
        assert event.target_id == str(record.pk) and event.detail == {"fields": ["retired_at"]}
    posting_c.refresh_from_db()
    assert posting_c.status == "closed"  # reopened deliberately, one by one
    from referrals import selectors

    assert selectors.seeker_search(query="ヤマダ").seekers == [seeker_a]
    with pytest.raises(ValidationError):  # not retired: nothing to undo
        registry.registry_restore(record=seeker_a, by=root)


def test_restoring_is_offered_only_where_retiring_sets_a_date(client):
    for model, offered in (
        (JobSeeker, True),
        (Establishment, True),
        (JobPosting, False),
        (User, False),
    ):
        page = client.get(url(model, "changelist"))
        actions = dict(page.context["action_form"].fields["action"].choices)
        assert ("restore_selected" in actions) is offered, model


# -- a lost authenticator ----------------------------------------------------------------


def test_an_administrator_resets_a_lost_authenticator_through_the_trail(client, root, bob):
    bobs_client = client_for(bob.user)  # signed in and verified with the old phone
    assert bobs_client.get(reverse("counter_home")).status_code == 200
    response = client.post(
        url(User, "changelist"),
        {"action": "reset_authenticator", "_selected_action": [bob.user.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=bob.user).exists()
    event = last_event("auth.otp_reset")
    assert (event.actor, event.target_id, event.detail) == (root, str(bob.user.pk), {"devices": 1})
    # The old phone's session is no longer past the second factor.
    assert bobs_client.get(reverse("counter_home")).status_code == 302


def test_an_authenticator_reset_refused_for_one_changes_none(client, root, bob):
    client_for(bob.user), client_for(root)  # both have an authenticator
    response = client.post(
        url(User, "changelist"),
        {"action": "reset_authenticator", "_selected_action": [bob.user.pk, root.pk]},
        follow=True,
    )
    assert "自分自身の認証アプリは取り消せません" in response.content.decode()
    assert TOTPDevice.objects.filter(user=bob.user).exists()
    assert TOTPDevice.objects.filter(user=root).exists()
    assert not AuditEvent.objects.filter(action="auth.otp_reset").exists()


def test_an_authenticator_reset_needs_the_right_to_change_logins(alice, bob):
    from django.core.exceptions import PermissionDenied

    client_for(bob.user)
    with pytest.raises(PermissionDenied):
        registry.staff_totp_reset(user=bob.user, by=alice.user)
    with pytest.raises(ValidationError):  # nothing to reset
        registry.staff_totp_reset(
            user=factories.UserFactory(kind="staff"),
            by=factories.UserFactory(kind="staff", is_staff=True, is_superuser=True),
        )
    assert TOTPDevice.objects.filter(user=bob.user).exists()


def test_a_protected_seekers_phone_and_email_are_not_on_the_admin_page(
    client, bob, seeker_a, establishment_c
):
    JobSeeker.objects.filter(pk=seeker_a.pk).update(
        phone="090-1234-5678", email="hanako@example.jp"
    )
    page = client.get(url(JobSeeker, "change", seeker_a.pk)).content.decode()
    assert "090-1234-5678" in page  # not protected yet
    registry.seeker_protection_set(
        seeker=seeker_a, supervisor=bob, reason="DV等支援措置", establishments=[establishment_c]
    )
    page = client.get(url(JobSeeker, "change", seeker_a.pk)).content.decode()
    assert "090-1234-5678" not in page and "hanako@example.jp" not in page
    # Saving the form as shown keeps them.
    post_form(client, url(JobSeeker, "change", seeker_a.pk), {"kana": "ヤマダ ハナコ"})
    seeker_a.refresh_from_db()
    assert (seeker_a.phone, seeker_a.email) == ("090-1234-5678", "hanako@example.jp")
