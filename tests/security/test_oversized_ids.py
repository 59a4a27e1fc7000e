"""Ids too large for any database column, in every hidden field of every form and in every
URL id (issue 17). Found by an outside test: on SQLite a hidden posting id of 2^63 gave a
500 on two counter forms (Python's int overflows SQLite's 64-bit INTEGER). Whatever the
database: a refusal (400) or not found (404), a redirect or a 403, never a 500.
"""

from html.parser import HTMLParser

import pytest
from django.db import transaction

from tests.conftest import client_for
from tests.security.test_access_matrix import routes
from tests.security.test_fuzz_forms import pages  # noqa: F401 (the fixture)

OVERSIZED = [str(2**63), str(10**30)]


class FilledFormParser(HTMLParser):
    """The POST forms of a page as the browser would send them untouched: each field with
    its value, and which fields are hidden."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str], set[str]]] = []
        self._fields: dict[str, str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._fields = {}
            self.forms.append((a.get("action", ""), self._fields, set()))
            return
        if self._fields is None or not a.get("name") or a["name"] == "csrfmiddlewaretoken":
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "hidden":
                self.forms[-1][2].add(name)
            if kind in ("radio", "checkbox") and "checked" not in a:
                self._fields.setdefault(name, "")
                return
            self._fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            self._fields.setdefault(name, "")
        elif tag == "option" and self._select and not self._fields.get(self._select):
            self._fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._fields.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


def filled_forms(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    parser = FilledFormParser()
    parser.feed(response.content.decode())
    return [(action or path, fields, hidden) for action, fields, hidden in parser.forms]


def test_oversized_ids_in_every_hidden_field_of_every_form(pages):  # noqa: F811
    tried = 0
    for client, path in pages:
        for action, fields, hidden in filled_forms(client, path):
            for name in hidden:
                for value in OVERSIZED:
                    with transaction.atomic():
                        response = client.post(action, {**fields, name: value})
                        transaction.set_rollback(True)
                    assert response.status_code != 500, (path, action, name, value)
                    tried += 1
    assert tried > 20  # the counter's, the display's and the supervisor's hidden ids


@pytest.mark.parametrize("value", OVERSIZED)
def test_oversized_ids_in_every_url(value, alice, bob, dave):
    users = [client_for(alice.user), client_for(bob.user), client_for(dave.user)]
    for client in users:
        client.raise_request_exception = False
    checked = 0
    for name, pattern, converters in routes():
        ints = [
            key
            for key, converter in converters.items()
            if type(converter).__name__ == "IntConverter"
        ]
        if not ints:
            continue
        path = "/" + pattern
        for key in converters:
            fill = value if key in ints else "1"
            path = path.replace(f"<int:{key}>", fill).replace(f"<{key}>", fill)
            path = path.replace(f"<uuid:{key}>", "00000000-0000-0000-0000-000000000000")
        for client in users:
            for method in (client.get, client.post):
                response = method(path)
                assert response.status_code in (302, 400, 403, 404, 405), (
                    name,
                    path,
                    response.status_code,
                )
        checked += 1
    assert checked > 10
