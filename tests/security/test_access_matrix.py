"""Every URL the project routes, asked for by everyone who must not get it.

The victim (Koriyama: a seeker, consultations, an issued and visible referral, a pending
one, an alert, an employer member...) is created with every table's ids starting at the
same number, so one id fills any `<int:...>` parameter with a real object of the victim,
whatever the view looks up. Everybody else is created after every id was moved far away,
so no candidate id can ever name the attacker's own records. New URLs are covered without
editing this test: it walks the resolver.

The seeker-facing display (/display/) holds no login: every identity here is asked there
too, and two more: a browser holding the victim desk's superseded credential (the desk was
paired again since) and one holding a retired display's, while a read-back of the victim
waits on that desk. None of them may see it.

Expected: anonymous users are sent to a login page; an account of the wrong kind gets 403;
an employer of another establishment and staff of another office get 404 for any record
(403 where the whole screen is for supervisors); nobody gets a 500; and the victim's
personal data never appears in a body, except on the national seeker pages for staff (any
office serves any registered seeker; those views are traced).
"""

import uuid

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from referrals import display_credentials, services
from tests import factories
from tests.conftest import client_for
from tests.db_owner import owner_cursor
from tests.referrals.helpers import called_draft, consult, issue_in_person, pending

VICTIM_IDS = 500_000  # the victim's rows get ids 500001, 500002, ...
ATTACKER_IDS = 900_000

PUBLIC = {
    "index",
    "healthz",
    "staff_login",
    "staff_otp",
    "staff_otp_enroll",
    "employer_login",
    "employer_otp",
    "employer_password_forgot",
    "logout",
    "set_language",
    "mypage_password_set",
}
NATIONAL = {"seeker_detail", "consultation_open", "seeker_search"}  # staff of any office
ANY = {200, 302, 400, 403, 404, 405}


def set_all_ids(start: int) -> None:
    """The next row of every table gets an id just above `start` (sequences are the
    owner's to set)."""
    with owner_cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            pk = model._meta.pk
            if not isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
                continue
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                    [connection.ops.quote_name(table), pk.column, start],
                )
            else:
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start]
                )


def routes():
    """(name, path pattern, converters) of every routed URL, admin included."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                converters = dict(getattr(pattern.pattern, "converters", {}))
                for group in pattern.pattern.regex.groupindex:  # regex routes (the admin's)
                    converters.setdefault(group, None)
                yield namespace + pattern.name, prefix + str(pattern.pattern), converters

    return list(walk(get_resolver().url_patterns))


@pytest.fixture
def victim(settings, koriyama):
    settings.DISCLOSURE_HOLD_MINUTES = 0
    set_all_ids(VICTIM_IDS)
    alice = factories.StaffMemberFactory(office=koriyama, user__username="victim-clerk")
    seeker = factories.JobSeekerFactory(office=koriyama, name="被害 太郎", kana="ヒガイ タロウ")
    establishment = factories.EstablishmentFactory(office=koriyama)
    member = factories.EmployerMemberFactory(establishment=establishment, is_primary=True)
    issued = issue_in_person(
        seeker, alice, factories.JobPostingFactory(establishment=establishment)
    )
    waiting = pending(seeker, alice, factories.JobPostingFactory(establishment=establishment))
    services.code_check(member=member, code="0000-0000-000")  # an alert at Koriyama
    services.selection_result_record(
        disclosure=issued.disclosure, member=member, result="not_hired", conditions_differ=False
    )
    # A read-back of the victim waiting on the victim's desk display.
    posting = factories.JobPostingFactory(establishment=establishment)
    consultation = consult(seeker, alice, apply=[posting])
    draft = called_draft(consultation=consultation, posting=posting, staff=alice)
    services.display_show(referral=draft, staff=alice)
    return {
        "seeker": seeker,
        "member": member,
        "disclosure": issued.disclosure,
        "referral": issued,
        "pending": waiting,
        "desk": consultation.display,
        "secrets": [seeker.name, seeker.kana, seeker.number, member.user.email],
    }


@pytest.fixture
def attackers(victim, fukushima):
    set_all_ids(ATTACKER_IDS)
    clerk = factories.StaffMemberFactory(office=fukushima, user__username="other-clerk")
    supervisor = factories.StaffMemberFactory(
        office=fukushima, role="supervisor", user__username="other-sup"
    )
    employer = factories.EmployerMemberFactory(
        establishment=factories.EstablishmentFactory(office=fukushima), is_primary=True
    )
    # The victim desk's old credential: the desk was paired again (a new secret) since.
    desk = victim["desk"]
    superseded = Client()
    superseded.cookies[display_credentials.COOKIE_NAME] = display_credentials.sign(
        display_id=desk.pk, secret="test-secret"
    )
    desk.device_secret_digest = display_credentials.digest("new-tablet", purpose="device")
    desk.save()
    retired_display = factories.CounterDisplayFactory(office=victim["desk"].office)
    services.display_retire(display=retired_display, supervisor=retired_display.created_by)
    retired = Client()
    retired.cookies[display_credentials.COOKIE_NAME] = display_credentials.sign(
        display_id=retired_display.pk, secret="test-secret"
    )
    other_office = Client()
    other_office.cookies[display_credentials.COOKIE_NAME] = display_credentials.sign(
        display_id=factories.CounterDisplayFactory(office=fukushima).pk, secret="test-secret"
    )
    return {
        "anonymous": Client(),
        "employer": client_for(employer.user),
        "clerk": client_for(clerk.user),
        "supervisor": client_for(supervisor.user),
        "display_superseded": superseded,
        "display_retired": retired,
        "display_of_another_office": other_office,
    }


def candidates(converters, victim):
    """Every way to fill a pattern's parameters with the victim's records."""
    fills = [{}]
    for name, converter in converters.items():
        kind = type(converter).__name__
        if kind == "IntConverter":
            values = [VICTIM_IDS + 1, VICTIM_IDS + 2]
        elif kind == "UUIDConverter":
            values = [victim["disclosure"].public_id, uuid.uuid4()]
        elif name == "uidb64":
            values = [urlsafe_base64_encode(force_bytes(victim["member"].user.pk))]
        elif name == "token":
            values = [
                "not-a-token",
                default_token_generator.make_token(victim["member"].user)[:-2] + "xx",
            ]
        elif name == "app_label":
            values = ["hellowork"]
        else:  # admin's object_id and the like
            values = [str(VICTIM_IDS + 1)]
        fills = [{**fill, name: value} for fill in fills for value in values]
    return fills


def expected(identity: str, name: str, path: str, has_params: bool) -> set[int]:
    bare = name.split(":")[-1]
    if bare in PUBLIC:
        return ANY
    if path.startswith("/display/"):
        # Without a valid credential: the pairing page, 403 for the parts a display asks
        # for by itself; a valid one of another office: its own (empty) screen.
        return {200, 204, 302, 400, 403, 405}
    if path.startswith("/admin/"):
        return {302}  # nobody here is an administrator: to the login
    side = "counter" if path.startswith("/counter/") else "mypage"
    if identity == "anonymous" or identity.startswith("display"):
        return {302}
    if identity == "employer":
        if side == "counter":
            return {403}
        return {404, 405} if has_params else ANY - {403}
    if side == "mypage":
        return {403}
    if bare in NATIONAL or not has_params:
        return ANY
    return {403, 404, 405}


def test_every_route_refuses_everyone_it_should(victim, attackers):
    checked = 0
    for name, _pattern, converters in routes():
        if name == "logout":
            continue  # it would end the sessions this walk runs in; tested in test_login.py
        for kwargs in candidates(converters, victim):
            path = reverse(name, kwargs=kwargs)
            for identity, client in attackers.items():
                expected_statuses = expected(identity, name, path, bool(kwargs))
                for method in ("get", "post"):
                    response = getattr(client, method)(path)
                    status = response.status_code
                    assert status != 500, (identity, method, path)
                    assert status in expected_statuses, (identity, method, path, status)
                    if (
                        status == 302
                        and (identity == "anonymous" or identity.startswith("display"))
                        and expected_statuses == {302}
                    ):
                        assert "/login/" in response["Location"], (path, response["Location"])
                    body = response.content.decode(errors="replace")
                    if not (identity in ("clerk", "supervisor") and name in NATIONAL):
                        for secret in victim["secrets"]:
                            assert secret not in body, (identity, method, path, secret)
                    checked += 1
    assert checked > 500  # the walk really walked
