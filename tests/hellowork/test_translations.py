"""English is complete: every msgid of locale/en is translated and compiled, and the main
screens render in English when English is chosen (Japanese stays the default).

`make i18n-check` regenerates the catalogue from the sources; these tests need no gettext
and check what is committed: the .po, and the .mo a clean clone serves."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.language import JAPANESE, JAPANESE_RUN

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
# What the user reads as the structure of a page; names and other data are not checked.
HEADINGS = re.compile(r"<(title|h[1-6]|th|label|legend|button)\b([^>]*)>(.*?)</\1>", re.S)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header and obsolete entries left out (no polib needed)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, started
        if started:
            entries.append(entry)
        entry, started = Entry(), False

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            finish()
            target = None
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if started:
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, line
            _append(entry, target, ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            started = True
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
            else:
                target = (keyword, 0)
            _append(entry, target, ast.literal_eval(value))
    finish()
    return [e for e in entries if e.msgid]


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    keyword, index = target
    if keyword == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    elif keyword == "msgid":
        entry.msgid += text
    elif keyword == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    elif keyword == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    else:
        raise AssertionError(f"unexpected keyword {keyword!r}")


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    return read_po(CATALOGUE / "django.po")


def test_po_translates_every_entry(po_entries):
    assert len(po_entries) > 400
    problems = []
    for entry in po_entries:
        forms = 2 if entry.msgid_plural is not None else 1
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid}")
        if len(entry.msgstr) != forms or not all(entry.msgstr.values()):
            problems.append(f"untranslated: {entry.msgid}")
        provided = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        for text in entry.msgstr.values():
            # Every placeholder of the source kept, none invented (a plural's singular may
            # spell out "one").
            used = set(PLACEHOLDER.findall(text))
            if used - provided or (forms == 1 and used != provided):
                problems.append(f"placeholders {sorted(used)} != {sorted(provided)}: {entry.msgid}")
            # Japanese only where an example of what to type is quoted from the source.
            kept = [run for run in JAPANESE_RUN.findall(text) if run not in entry.msgid]
            if kept:
                problems.append(f"Japanese {kept} in the English of: {entry.msgid}")
    assert not problems, "Run make i18n-check and translate:\n" + "\n".join(problems)


def test_compiled_catalogue_matches_the_po(po_entries):
    """A clean clone serves the committed .mo: it must hold every translation of the .po."""
    with (CATALOGUE / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in po_entries:
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        for index, text in entry.msgstr.items():
            compiled = catalogue.get((key, index) if entry.msgid_plural is not None else key)
            if not compiled or compiled != text:
                stale.append(entry.msgid)
    assert not stale, "django.mo is out of date; run make i18n-check:\n" + "\n".join(stale)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def japanese_in_headings(html: str) -> list[str]:
    found = []
    for _tag, attributes, inner in HEADINGS.findall(html):
        if 'lang="ja"' in attributes:  # the language switch names Japanese in Japanese
            continue
        text = re.sub(r"<[^>]+>", "", inner)
        if JAPANESE.search(text):
            found.append(text.strip())
    return found


def test_staff_login_is_japanese_by_default(client):
    html = client.get(reverse("staff_login")).content.decode()
    assert '<html lang="ja">' in html
    assert "<h1>職員ログイン</h1>" in html


def test_staff_login_in_english(client):
    html = english(client).get(reverse("staff_login")).content.decode()
    assert '<html lang="en">' in html
    assert "<title>Staff sign-in | Hello Work referral system</title>" in html
    assert "<h1>Staff sign-in</h1>" in html
    assert "Staff ID" in html
    assert japanese_in_headings(html) == []


def test_employer_login_in_english(client):
    html = english(client).get(reverse("employer_login")).content.decode()
    assert "<h1>Employer my page sign-in</h1>" in html
    assert japanese_in_headings(html) == []


def test_counter_home_in_english(bob):
    html = english(client_for(bob.user)).get(reverse("counter_home")).content.decode()
    assert "<title>Counter home | Hello Work referral system</title>" in html
    assert "<h1>Counter home</h1>" in html
    assert "Supervisor tasks" in html
    assert "0 referrals awaiting approval" in html
    assert "Today’s consultations" in html
    assert japanese_in_headings(html) == []


def test_consultation_in_english(alice, seeker_a, posting_c):
    from tests.referrals.helpers import consult

    consultation = consult(seeker_a, alice, apply=[posting_c])
    client = english(client_for(alice.user))
    html = client.get(reverse("consultation_detail", args=[consultation.pk])).content.decode()
    assert "<h1>Consultation</h1>" in html
    assert "Postings discussed and the job seeker’s decisions" in html
    assert ">Apply<" in html
    # Form help text is translated per request, not at import.
    assert "Posting number (or part of it)" in html
    assert japanese_in_headings(html) == []


def test_employer_applicants_in_english(dave):
    html = english(client_for(dave.user)).get(reverse("mypage_home")).content.decode()
    assert "<h1>Applicants</h1>" in html
    assert "No applicants have been referred yet." in html
    assert japanese_in_headings(html) == []
