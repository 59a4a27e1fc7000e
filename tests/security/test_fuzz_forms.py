"""Hostile input to every form a person can reach (hypothesis).

The forms are found by reading the pages, not listed here: each page a clerk, a
supervisor, an employer or a visitor opens is parsed for its <form>s, and every field
(hidden ones included) is filled with random and hostile text, sometimes left out, with
extra fields added. Whatever arrives: never a 500; a refusal (400) says what is wrong on
the page and writes nothing (the audit trail and the alerts a caught mismatch raises by
design aside).
"""

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals import display_credentials, services
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import called_draft, consult, issue_in_person, pending, seeker_confirms

HOSTILE = [
    "' OR 1=1 --",
    "'; DROP TABLE hellowork_jobseeker; --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\x00",
    "a\x00b",
    "\u202eevil",
    "\r\n\r\nX-Injected: 1",
    "𠮷野家🍣👨‍👩‍👧",
    "０７０４０－１２３４５６７８",
    "07040-12345678",
    "ｱｲｳｴｵ",
    "1990-02-30",
    "令和99年13月40日",
    "-1",
    "0",
    "99999999999999999999999",
    "../../../../etc/passwd",
    "%00%27",
    "   ",
    "",
    "x" * 5000,
    "null",
    "true",
    "[]",
    "{}",
]
# Text without lone surrogates (they cannot be sent as UTF-8 at all).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
VALUE = st.one_of(st.sampled_from(HOSTILE), TEXT)
# Rows a refusal writes by design: the trace, the alerts of caught mismatches, the counted
# code checks and pairing attempts (their limits count them), the login lockout's rows.
EXEMPT = {
    "AuditEvent",
    "Alert",
    "CodeCheck",
    "DisplayPairingAttempt",
    "AccessAttempt",
    "AccessFailureLog",
    "Session",
}


class FormParser(HTMLParser):
    """The POST forms of a page: their action and their fields' names."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[str]]] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._current = []
            self.forms.append((attributes.get("action") or "", self._current))
        elif tag in ("input", "select", "textarea", "button") and self._current is not None:
            name = attributes.get("name")
            if name and name != "csrfmiddlewaretoken" and name not in self._current:
                self._current.append(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_on(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    parser = FormParser()
    parser.feed(response.content.decode())
    return [(action or path, fields) for action, fields in parser.forms if fields]


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in apps.get_models()
        if model.__name__ not in EXEMPT
    }


@pytest.fixture
def pages(settings, alice, bob, dave, seeker_a, posting_c, posting_d, koriyama):
    settings.DISCLOSURE_HOLD_MINUTES = 0
    issued = issue_in_person(seeker_a, alice, posting_c)
    posting = factories.JobPostingFactory(establishment__office=koriyama)
    consultation = consult(seeker_a, alice, apply=[posting])
    draft = called_draft(consultation=consultation, posting=posting, staff=alice)
    waiting = pending(factories.JobSeekerFactory(office=koriyama), alice, posting_d)
    # The desk's display with a read-back waiting (the seeker's keypad), one being paired,
    # and a draft the seeker already confirmed (the clerk's digits field).
    services.display_pair(supervisor=bob, label="第9窓口")
    answered_posting = factories.JobPostingFactory(establishment__office=koriyama)
    answered = called_draft(
        consultation=consult(
            factories.JobSeekerFactory(office=koriyama), alice, apply=[answered_posting]
        ),
        posting=answered_posting,
        staff=alice,
    )
    seeker_confirms(answered, alice)
    readback = services.display_show(referral=draft, staff=alice)
    tablet = Client()
    tablet.cookies[display_credentials.COOKIE_NAME] = display_credentials.sign(
        display_id=readback.display_id, secret="test-secret"
    )
    counter, supervisor, employer = (
        client_for(alice.user),
        client_for(bob.user),
        client_for(dave.user),
    )
    public_id = issued.disclosure.public_id
    return [
        (counter, "/counter/"),
        (counter, f"/counter/seekers/{seeker_a.pk}/"),
        (counter, f"/counter/consultations/{consultation.pk}/"),
        (counter, f"/counter/referrals/{draft.pk}/"),
        (counter, f"/counter/referrals/{issued.pk}/"),
        (supervisor, f"/counter/approvals/{waiting.pk}/"),
        (counter, f"/counter/referrals/{answered.pk}/"),
        (supervisor, "/counter/displays/"),
        (tablet, "/display/"),
        (Client(), "/display/"),
        (employer, f"/mypage/applicants/{public_id}/result/"),
        (employer, f"/mypage/applicants/{public_id}/misdelivery/"),
        (employer, "/mypage/code-check/"),
        (employer, "/mypage/members/"),
        (client_for(alice.user, verified=False), "/counter/login/verify/"),
    ]


def test_every_page_of_the_fuzz_has_forms(pages):
    assert all(forms_on(client, path) for client, path in pages)
    # The display's page really is the seeker's keypad, and the issuance screen the digits.
    fields = {
        action: set(names) for client, path in pages for action, names in forms_on(client, path)
    }
    assert {"readback", "answer", "era", "year", "month", "day"} <= fields["/display/answer/"]
    assert "code" in fields["/display/pair/"]
    assert any("posting_digits" in names for names in fields.values())


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_input_never_breaks_a_form(pages, data):
    # Each example starts from the same world: what one example changed is rolled back.
    with transaction.atomic():
        post_hostile_input(pages, data)
        transaction.set_rollback(True)


def post_hostile_input(pages, data):
    client, path = data.draw(st.sampled_from(pages), label="page")
    forms = forms_on(client, path)
    action, fields = data.draw(st.sampled_from(forms), label="form")
    payload = {}
    for field in fields:
        if data.draw(st.booleans(), label=f"send {field}") or len(fields) == 1:
            payload[field] = data.draw(VALUE, label=field)
    extra = data.draw(
        st.dictionaries(
            st.sampled_from(["is_superuser", "status", "code", "office", "x"]), VALUE, max_size=2
        )
    )
    payload.update(extra)
    before = row_counts()
    response = client.post(action, payload)
    assert response.status_code != 500, (action, payload)
    if response.status_code == 400:
        body = response.content.decode()
        assert "error-summary" in body or "errorlist" in body, (action, payload)
        assert row_counts() == before, (action, payload)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(username=VALUE, password=VALUE, side=st.sampled_from(["/counter/login/", "/mypage/login/"]))
def test_hostile_input_never_breaks_a_login(client, db, username, password, side):
    response = client.post(side, {"username": username, "password": password})
    assert response.status_code in (200, 400)
    assert "_auth_user_id" not in client.session
