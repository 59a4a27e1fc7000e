"""A small office with something in every state the main screens show, for the screenshot
journeys (tests/browser) and the English walk of every page (tests/hellowork)."""

import importlib
from typing import Any

from hellowork import services as registry
from referrals import services
from referrals.models import SelfInspectionItem
from tests import factories
from tests.referrals.helpers import called_draft, consult, issue_in_person, pending, seeker_confirms


def screens_world(*, alice, bob, dave, seeker_a, posting_c, posting_d, koriyama) -> dict[str, Any]:
    """Something in every state a main screen shows. The caller sets
    DISCLOSURE_HOLD_MINUTES = 0 first (issued applicants are visible at once)."""
    check_sheet_items()
    issued = issue_in_person(seeker_a, alice, posting_c)
    other = factories.JobSeekerFactory(office=koriyama, name="鈴木 一郎", kana="スズキ イチロウ")
    waiting = pending(other, alice, posting_d)
    draft_posting = factories.JobPostingFactory(
        establishment=posting_c.establishment, title="配車係"
    )
    consultation = consult(seeker_a, alice, apply=[draft_posting], declined=[posting_d])
    draft = called_draft(consultation=consultation, posting=draft_posting, staff=alice)
    # A mistaken disclosure, retracted: an incident with its tasks, a notice for the employer.
    third = factories.JobSeekerFactory(office=koriyama, name="田中 次郎", kana="タナカ ジロウ")
    mistaken = issue_in_person(
        third, alice, factories.JobPostingFactory(establishment=posting_c.establishment)
    )
    services.referral_retract(referral=mistaken, staff=alice, reason="別の事業所の求人と取り違えた")
    incident = services.retraction_approve(referral=mistaken, supervisor=bob)
    # An applicant the employer reported (rule 11): hidden from it, a critical alert waiting.
    stranger = factories.JobSeekerFactory(office=koriyama, name="伊藤 四郎", kana="イトウ シロウ")
    reported = issue_in_person(
        stranger, alice, factories.JobPostingFactory(establishment=posting_c.establishment)
    ).disclosure
    report = services.misdelivery_report(
        disclosure=reported, member=dave, note="面接の予定を聞いていない方です"
    )
    # At the desk: a letter the seeker confirmed (the clerk's digits next), then one whose
    # read-back waits on the display.
    confirmed_posting = factories.JobPostingFactory(
        establishment=posting_c.establishment, title="フォークリフトオペレーター"
    )
    walk_in = factories.JobSeekerFactory(
        office=koriyama, name="佐々木 三郎", kana="ササキ サブロウ"
    )
    confirmed = called_draft(
        consultation=consult(walk_in, alice, apply=[confirmed_posting]),
        posting=confirmed_posting,
        staff=alice,
    )
    seeker_confirms(confirmed, alice)
    waiting_posting = factories.JobPostingFactory(
        establishment=posting_c.establishment, title="配送ドライバー（中型）"
    )
    visitor = factories.JobSeekerFactory(office=koriyama, name="高橋 美咲", kana="タカハシ ミサキ")
    on_display = called_draft(
        consultation=consult(visitor, alice, apply=[waiting_posting]),
        posting=waiting_posting,
        staff=alice,
    )
    readback = services.display_show(referral=on_display, staff=alice)
    # A protected seeker (rule 13), kept from establishment D.
    protected = factories.JobSeekerFactory(
        office=koriyama, name="渡辺 さくら", kana="ワタナベ サクラ"
    )
    registry.seeker_protection_set(
        seeker=protected,
        supervisor=bob,
        reason="支援措置（DV）の申出。相手方の勤務先には紹介しない。",
        establishments=[posting_d.establishment],
    )
    return {
        "protected": protected,
        "issued": issued,
        "pending": waiting,
        "consultation": consultation,
        "draft": draft,
        "incident": incident,
        "confirmed": confirmed,
        "on_display": on_display,
        "display": readback.display,
        "reported": reported,
        "report_alert": report.alert,
    }


def check_sheet_items() -> None:
    """The shipped check sheet, in both languages (live_server's database loses what the
    data migrations wrote)."""
    if SelfInspectionItem.objects.exists():
        return
    english = importlib.import_module("referrals.migrations.0015_self_inspection_in_english")
    SelfInspectionItem.objects.bulk_create(
        SelfInspectionItem(text=text, text_en=text_en, order=(index + 1) * 10)
        for index, (text, text_en) in enumerate(english.ENGLISH.items())
    )
