"""Every routed page in English, for everyone who uses it: no Japanese in the chrome.

Names, kana, addresses and other registry text are data, marked `lang="ja"` in the
templates; anything else Japanese on an English page is a string left untranslated, a
Japanese-only format or a label the code built in Japanese (tests/language.py). The walk
asks for every route of the counter, the display and the my page (the admin is Django's own)
with each kind of user, GET and then an empty POST (form errors and refusals; undone
afterwards), and follows redirects to the page a person lands on. A new route fails here
until it is given the objects it shows.
"""

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hellowork import services as registry_services
from hellowork.models import StaffRole
from referrals import display_credentials, services
from referrals.services import incidents
from tests import factories
from tests.conftest import client_for
from tests.language import japanese_in_chrome
from tests.referrals.helpers import issue_in_person
from tests.security.test_access_matrix import routes
from tests.world import screens_world


class Undo(Exception):
    """Raised to roll back what an empty POST changed."""


@pytest.fixture
def office(settings, alice, bob, dave, seeker_a, posting_c, posting_d, koriyama):
    settings.DISCLOSURE_HOLD_MINUTES = 0
    world = screens_world(
        alice=alice,
        bob=bob,
        dave=dave,
        seeker_a=seeker_a,
        posting_c=posting_c,
        posting_d=posting_d,
        koriyama=koriyama,
    )
    # More states: a selection result, a retraction waiting for a supervisor, a wrong code
    # checked, this month's check sheet answered, a second member to remove.
    services.selection_result_record(
        disclosure=world["issued"].disclosure,
        member=dave,
        result="not_hired",
        not_hired_reason="other",
        conditions_differ=True,
        conditions_difference="勤務時間が違う",
    )
    asked = issue_in_person(
        factories.JobSeekerFactory(office=koriyama),
        alice,
        factories.JobPostingFactory(establishment=posting_c.establishment),
    )
    retraction = services.referral_retract(referral=asked, staff=alice, reason="求人を取り違えた")
    services.code_check(member=dave, code="0000-0000-000")
    incidents.self_inspection_submit(
        staff=alice,
        answers={item.pk: index != 0 for index, item in enumerate(_items())},
        note="机の上の求人票を片付けた",
    )
    other_member = factories.EmployerMemberFactory(establishment=dave.establishment)
    invitation = registry_services.employer_member_add(
        by=dave, email="invited@asahi.example.jp", name="招待 花子"
    )
    manager = factories.StaffMemberFactory(office=koriyama, role=StaffRole.MANAGER)
    incident = world["incident"]
    referrals = [
        world[key] for key in ("issued", "pending", "draft", "confirmed", "on_display")
    ] + [incident.referral, asked]
    disclosures = [world["issued"].disclosure, world["reported"], incident.referral.disclosure]
    return {
        **world,
        "manager": manager,
        "dave": dave,
        "member": other_member,
        "invitation": invitation,
        "retraction": retraction,
        "referrals": referrals,
        "disclosures": disclosures,
    }


def _items():
    from referrals.selectors import active_inspection_items

    return list(active_inspection_items())


def parameters(name: str, office) -> list[dict]:
    """The objects each route is asked about (KeyError: a new route to add here)."""
    world = office
    seeker = world["consultation"].seeker
    referral_pks = [{"pk": referral.pk} for referral in world["referrals"]]
    public_ids = [{"public_id": d.public_id} for d in world["disclosures"]]
    incident = world["incident"]
    member = world["member"]
    by_name = {
        "seeker_detail": [{"pk": seeker.pk}, {"pk": world["protected"].pk}],
        "seeker_protection": [{"pk": world["protected"].pk}],
        "protection_lift_request": [{"pk": world["protected"].pk}],
        "protection_lift_approve": [{"pk": world["protected"].pk}],
        "protection_lift_reject": [{"pk": world["protected"].pk}],
        "consultation_open": [{"pk": seeker.pk}],
        "retraction_detail": [{"pk": world["retraction"].pk}],
        "retraction_approve": [{"pk": world["retraction"].pk}],
        "retraction_reject": [{"pk": world["retraction"].pk}],
        "incident_task_done": [
            {"pk": incident.pk, "task_pk": task.pk} for task in incident.tasks.all()[:1]
        ],
        "display_pairing_code": [{"pk": world["display"].pk}],
        "display_retire": [{"pk": world["display"].pk}],
        "mypage_member_remove": [{"pk": member.pk}],
        "mypage_invitation_cancel": [{"pk": world["invitation"].pk}],
        "mypage_password_set": [
            {
                "uidb64": urlsafe_base64_encode(force_bytes(member.user.pk)),
                "token": default_token_generator.make_token(member.user),
            }
        ],
    }
    if name in by_name:
        return by_name[name]
    prefix = name.split("_")[0]
    if name in (
        "interest_record",
        "decision_change",
        "note_update",
        "referral_draft",
        "posting_search",
    ):
        return [{"pk": world["consultation"].pk}]
    if prefix == "consultation":
        return [{"pk": world["consultation"].pk}]
    if prefix in ("referral", "approval"):
        return referral_pks
    if prefix == "alert":
        return [{"pk": world["report_alert"].pk}]
    if prefix == "incident":
        return [{"pk": incident.pk}]
    if prefix == "mypage":
        return public_ids
    raise KeyError(name)


def clients(office) -> dict[str, Client]:
    display = Client()
    display.cookies[display_credentials.COOKIE_NAME] = display_credentials.sign(
        display_id=office["display"].pk, secret="test-secret"
    )
    people = {
        "anonymous": Client(),
        "display": display,
        "clerk": client_for(office["issued"].drafted_by.user),
        "supervisor": client_for(office["incident"].opened_by.user),
        "manager": client_for(office["manager"].user),
        "employer": client_for(office["dave"].user),
    }
    for client in people.values():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return people


def check(response, where: str, problems: list[str], seen: set[str]) -> None:
    if "text/html" not in response.get("Content-Type", ""):
        return
    html = response.content.decode()
    if not html.strip():
        return  # 405 and the like: nothing to read
    if "<html" in html:  # not a fragment the page's script swaps in
        assert '<html lang="en">' in html, where
    for text in japanese_in_chrome(html):
        problem = f"{response.request['PATH_INFO']}: {text}"
        if problem not in seen:
            seen.add(problem)
            problems.append(f"{problem}   ({where})")


def test_no_japanese_in_the_chrome_of_any_english_page(office):
    people = clients(office)
    problems: list[str] = []
    seen: set[str] = set()
    pages = 0
    for name, path, converters in routes():
        if path.startswith("admin/") or name in ("logout", "set_language", "healthz"):
            continue
        for kwargs in parameters(name, office) if converters else [{}]:
            url = reverse(name, kwargs=kwargs)
            for who, client in people.items():
                response = client.get(url, follow=True)
                assert response.status_code != 500, (who, url)
                check(response, f"{who} GET {url}", problems, seen)
                pages += response.status_code == 200
                try:
                    with transaction.atomic():
                        response = client.post(url, follow=True)
                        assert response.status_code != 500, (who, "POST", url)
                        check(response, f"{who} POST {url}", problems, seen)
                        raise Undo
                except Undo:
                    pass
    assert pages > 150  # the walk saw real pages, not only refusals
    assert not problems, "Japanese in English pages:\n" + "\n".join(problems)


def test_the_check_tells_chrome_from_marked_data():
    page = (
        '<html lang="en"><head><title>Job seeker</title><style>p::after{content:"「」"}</style>'
        '</head><body><h1>Job seeker <span lang="ja">山田 花子</span></h1>'
        '<p lang="ja">ヤマダ <b>ハナコ</b></p><textarea>面接の日</textarea>'
        '<a href="/" aria-label="開く">Open</a><p>今月（June）</p></body></html>'
    )
    assert japanese_in_chrome(page) == ['<a aria-label="開く">', "今月（June）"]


def test_the_check_sheet_in_english_has_english_items(alice):
    client = client_for(alice.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("self_inspection")).content.decode()
    assert "I signed out of the counter system or locked the screen." in page
    assert japanese_in_chrome(page) == []
    answers = {item.pk: True for item in _items()}
    incidents.self_inspection_submit(staff=alice, answers=answers)
    page = client.get(reverse("self_inspection")).content.decode()
    assert "Before issuing a referral letter, I read the job seeker’s name" in page
    assert japanese_in_chrome(page) == []


def test_the_letter_stays_japanese_on_an_english_page(office):
    client = clients(office)["clerk"]
    page = client.get(reverse("referral_letter", args=[office["issued"].pk])).content.decode()
    assert "The referral letter is shown and printed in Japanese" in page
    assert '<article class="letter" aria-labelledby="letter-title" lang="ja">' in page
    assert "御中" in page and "令和" in page  # as Hello Work prints it
    assert japanese_in_chrome(page) == []


def test_english_pages_show_western_dates_and_ages(office):
    employer = clients(office)["employer"]
    disclosure = office["issued"].disclosure
    page = employer.get(reverse("mypage_home")).content.decode()
    assert "令和" not in page
    assert disclosure.referral_date.strftime("%Y/%m/%d") in page
    assert f"{disclosure.seeker_age} years old" in page
    page = employer.get(reverse("mypage_applicant", args=[disclosure.public_id])).text
    day = disclosure.referral_date
    assert f"{day.day} {day.strftime('%B')} {day.year}" in page and "令和" not in page
    assert f"{disclosure.seeker_age} years old" in page
