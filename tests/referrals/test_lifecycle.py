"""referrals/lifecycle.py: the transition table against the model's check constraints, the
disclosure's phases at the hold's edges (and their queryset form), the checker rule and
rule 5's void-then-re-enter."""

import copy
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint
from django.utils import timezone

from referrals import lifecycle, services
from referrals.lifecycle import TRANSITIONS, Action, NotChecker, Phase
from referrals.models import Alert, Disclosure, ReferralLetter, ReferralStatus
from referrals.services import incidents
from tests import factories
from tests.referrals.helpers import called_draft, consult, issue_in_person, pending

NOW = datetime.datetime(2026, 6, 9, 1, 0, tzinfo=datetime.UTC)
CHECKS = [c for c in ReferralLetter._meta.constraints if isinstance(c, CheckConstraint)]


# -- the table --------------------------------------------------------------------------


def test_the_table_reads_like_the_diagram():
    """DESIGN.md section 4: draft → (confirm | submit → approve) → issued; a pending letter
    goes back to draft; draft, pending and issued letters can be voided; an issued one
    retracted. Nothing leaves voided or retracted."""
    assert lifecycle.status_steps() == {
        ("draft", "issued"),
        ("draft", "pending_approval"),
        ("pending_approval", "issued"),
        ("pending_approval", "draft"),
        ("draft", "voided"),
        ("pending_approval", "voided"),
        ("issued", "voided"),
        ("issued", "retracted"),
    }


def test_every_state_in_the_table_is_a_status_choice_and_every_choice_is_reached():
    named = {s for t in TRANSITIONS.values() for s in (*t.allowed, t.to) if s is not None}
    assert named <= set(ReferralStatus.values)
    reached, frontier = {ReferralStatus.DRAFT.value}, [ReferralStatus.DRAFT.value]
    while frontier:
        state = frontier.pop()
        for start, end in lifecycle.status_steps():
            if start == state and end not in reached:
                reached.add(end)
                frontier.append(end)
    assert reached == set(ReferralStatus.values)
    assert set(TRANSITIONS) == set(Action)


def _stamped(letter: ReferralLetter, action: Action) -> ReferralLetter:
    """The letter after `action`, with the fields the table says the service sets filled
    (any value of the right kind) and those it clears emptied."""
    after = copy.copy(letter)
    transition = TRANSITIONS[action]
    for name in transition.sets:
        field = ReferralLetter._meta.get_field(name)
        if field.is_relation:
            setattr(after, field.attname, 1)
        elif name == "code":
            after.code = "7K3M-9Q2X-HT4"
        else:
            setattr(after, name, NOW)
    for name in transition.clears:
        setattr(after, ReferralLetter._meta.get_field(name).attname, None)
    after.status = transition.to or letter.status
    return after


def _violated(letter: ReferralLetter) -> list[str]:
    broken = []
    for check in CHECKS:
        try:
            check.validate(ReferralLetter, letter)
        except ValidationError:
            broken.append(check.name)
    return broken


@pytest.mark.django_db
def test_every_path_through_the_table_satisfies_the_models_check_constraints():
    """From a new draft, every action the table allows, applied with the fields it says the
    service sets, leaves a row the database accepts (ReferralLetter._meta.constraints:
    the code from issue, the issue time, who voided and when, the submission)."""
    draft = ReferralLetter(status=ReferralStatus.DRAFT, created_at=NOW)
    assert _violated(draft) == []
    seen, frontier, walked = set(), [(draft, ())], 0
    while frontier:
        letter, path = frontier.pop()
        for action, transition in TRANSITIONS.items():
            if letter.status not in transition.allowed:
                continue
            after = _stamped(letter, action)
            assert _violated(after) == [], (path, action)
            walked += 1
            key = (path[-1] if path else None, action)
            if transition.to and key not in seen and len(path) < 4:
                seen.add(key)
                frontier.append((after, (*path, action)))
    assert walked > len(TRANSITIONS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "constraint"),
    [
        (Action.CONFIRM, "referralletter_code_from_issue"),
        (Action.APPROVE, "referralletter_code_from_issue"),
        (Action.SUBMIT, "referralletter_pending_was_submitted"),
        (Action.VOID, "referralletter_voided_has_who_and_when"),
    ],
)
def test_the_fields_an_action_sets_are_what_the_constraints_ask_of_its_state(action, constraint):
    start = TRANSITIONS[action].allowed[0]
    letter = ReferralLetter(status=start, created_at=NOW)
    if start == ReferralStatus.PENDING_APPROVAL:
        letter.submitted_at, letter.submitted_by_id = NOW, 1
    bare = copy.copy(letter)
    bare.status = TRANSITIONS[action].to
    assert constraint in _violated(bare)
    assert _violated(_stamped(letter, action)) == []


@pytest.mark.parametrize("action", list(Action))
def test_require_transition_refuses_every_state_the_action_does_not_start_from(action):
    transition = TRANSITIONS[action]
    for status in ReferralStatus:
        letter = ReferralLetter(status=status)
        if status in transition.allowed:
            assert lifecycle.require_transition(letter, action) == (transition.to or status)
        else:
            with pytest.raises(ValidationError) as refused:
                lifecycle.require_transition(letter, action)
            assert refused.value.messages == [
                str(transition.refusal) % {"status": letter.get_status_display()}
            ]


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [  # the services' words before the table, which forms and tests rely on
        (Action.CONFIRM, "issued", "この紹介状は「発行済み」のため確認できません。"),
        (Action.SUBMIT, "pending_approval", "この紹介状は「承認待ち」のため承認に回せません。"),
        (Action.APPROVE, "draft", "この紹介状は「作成中」のため承認できません。"),
        (Action.REJECT, "issued", "この紹介状は「発行済み」のため差し戻せません。"),
        (Action.VOID, "voided", "この紹介状は「取消」のため取り消せません。"),
        (Action.RETRACT, "draft", "この紹介状は「作成中」のため撤回できません。"),
        (Action.RETRACT_APPROVE, "retracted", "この紹介状は「撤回」のため撤回できません。"),
        (
            Action.RECORD_CALL,
            "issued",
            "この紹介状は「発行済み」のため、求人者への連絡を記録できません。",
        ),
        (Action.SHOW, "voided", "この紹介状は「取消」のため、求職者用画面に表示できません。"),
    ],
)
def test_the_refusals_keep_their_words(action, status, message):
    with pytest.raises(ValidationError) as refused:
        lifecycle.require_transition(ReferralLetter(status=status), action)
    assert refused.value.messages == [message]


@pytest.mark.django_db
def test_a_service_refuses_through_the_table(alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    with pytest.raises(ValidationError) as refused:
        services.referral_submit(referral=referral, staff=alice)
    assert refused.value.messages == ["この紹介状は「発行済み」のため承認に回せません。"]


# -- the disclosure's phases --------------------------------------------------------------

MICRO = datetime.timedelta(microseconds=1)


def _disclosure(**fields) -> Disclosure:
    return Disclosure(visible_at=NOW, created_at=NOW - datetime.timedelta(minutes=10), **fields)


@pytest.mark.parametrize(
    ("offset", "phase"), [(-MICRO, Phase.IN_HOLD), (datetime.timedelta(0), Phase.VISIBLE)]
)
def test_the_hold_ends_at_visible_at_itself(offset, phase):
    assert lifecycle.disclosure_phase(_disclosure(), NOW + offset) is phase


@pytest.mark.parametrize(
    ("fields", "at", "phase"),
    [
        ({"recalled_at": NOW - MICRO}, NOW - MICRO, Phase.RECALLED),
        ({"recalled_at": NOW - MICRO}, NOW + MICRO, Phase.RECALLED),
        ({"retracted_at": NOW}, NOW, Phase.RETRACTED),
        ({"retracted_at": NOW, "erased_at": NOW}, NOW, Phase.RETRACTED),
        ({"erased_at": NOW}, NOW, Phase.ERASED),
        ({"erased_at": NOW, "quarantined_at": NOW}, NOW, Phase.ERASED),
        ({"quarantined_at": NOW}, NOW, Phase.QUARANTINED),
        ({"quarantined_at": NOW}, NOW + datetime.timedelta(days=1), Phase.QUARANTINED),
    ],
)
def test_recalled_retracted_erased_and_quarantined_take_precedence_in_that_order(fields, at, phase):
    assert lifecycle.disclosure_phase(_disclosure(**fields), at) is phase


def test_only_a_recall_or_the_hold_means_never_shown():
    assert {p for p in Phase if not p.was_shown} == {Phase.IN_HOLD, Phase.RECALLED}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "marker",
    [
        {},
        {"quarantined": True},
        {"erased": True},
        {"retracted": True},
    ],
)
def test_visible_q_selects_exactly_the_visible_phase(alice, seeker_a, posting_c, marker):
    """The queryset form agrees with disclosure_phase on a real row, either side of the
    hold's end and with each marker the services set."""
    referral = issue_in_person(seeker_a, alice, posting_c)
    disclosure = Disclosure.objects.get(referral=referral)
    later = disclosure.visible_at + datetime.timedelta(minutes=1)
    if marker.get("quarantined"):
        Disclosure.objects.filter(pk=disclosure.pk).update(quarantined_at=later)
    if marker.get("erased") or marker.get("retracted"):
        Disclosure.objects.filter(pk=disclosure.pk).update(
            seeker_name="", seeker_kana="", seeker_age=None, erased_at=later
        )
    if marker.get("retracted"):
        Disclosure.objects.filter(pk=disclosure.pk).update(retracted_at=later, erased_at=None)
        ReferralLetter.objects.filter(pk=referral.pk).update(status=ReferralStatus.RETRACTED)
    disclosure.refresh_from_db()
    for at in (disclosure.visible_at - MICRO, disclosure.visible_at, later, later + MICRO):
        shown = Disclosure.objects.filter(lifecycle.visible_q(at), pk=disclosure.pk).exists()
        assert shown == (lifecycle.disclosure_phase(disclosure, at) is Phase.VISIBLE), at


@pytest.mark.django_db
def test_a_recalled_disclosure_is_never_visible(alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    services.referral_void(referral=referral, staff=alice, reason="入力誤り")
    disclosure = Disclosure.objects.get(referral=referral)
    at = disclosure.visible_at + datetime.timedelta(days=1)
    assert lifecycle.disclosure_phase(disclosure, at) is Phase.RECALLED
    assert not Disclosure.objects.filter(lifecycle.visible_q(at), pk=disclosure.pk).exists()


def test_visible_q_reads_the_disclosures_own_row_and_prefixes_every_condition():
    conditions = dict(lifecycle.visible_q(NOW, prefix="disclosure__").children)
    assert set(conditions) == {
        "disclosure__visible_at__lte",
        "disclosure__recalled_at__isnull",
        "disclosure__retracted_at__isnull",
        "disclosure__quarantined_at__isnull",
        "disclosure__erased_at__isnull",
    }


# -- the checker is not the maker ------------------------------------------------------------


@pytest.mark.django_db
def test_only_a_supervisor_who_had_no_hand_checks(alice, bob):
    def never():
        raise AssertionError("makers are not asked about a clerk")

    assert lifecycle.why_not_checker(alice, never) is NotChecker.NOT_SUPERVISOR
    assert lifecycle.why_not_checker(bob, lambda: {alice.pk, bob.pk}) is NotChecker.OWN_WORK
    assert lifecycle.why_not_checker(bob, lambda: {alice.pk, None}) is None


@pytest.fixture
def checker_calls(monkeypatch):
    calls = []
    real = lifecycle.why_not_checker

    def spy(staff, makers):
        calls.append(staff.pk)
        return real(staff, makers)

    monkeypatch.setattr(lifecycle, "why_not_checker", spy)
    return calls


@pytest.mark.django_db
def test_the_approval_the_retraction_and_the_alert_ask_the_one_rule(
    alice, bob, koriyama, seeker_a, posting_c, posting_d, settings, checker_calls
):
    settings.DISCLOSURE_HOLD_MINUTES = 0
    referral = pending(seeker_a, alice, posting_c)
    assert services.checker_refusal(bob, referral) == ""
    drafter = factories.StaffMemberFactory(office=koriyama, role="supervisor")
    assert "自分が作成・記録した" in services.checker_refusal(
        drafter, _drafted_by(referral, drafter)
    )
    issued = issue_in_person(factories.JobSeekerFactory(office=koriyama), alice, posting_d)
    request = services.referral_retract(referral=issued, staff=alice, reason="誤り")
    assert services.retraction_checker_refusal(bob, request) == ""
    alert = Alert.objects.create(
        office=koriyama, kind="caught_mismatch", severity="info", referral=issued, created_at=NOW
    )
    assert incidents.alert_handle_refusal(bob, alert) == ""
    assert checker_calls.count(bob.pk) == 3 and checker_calls.count(drafter.pk) == 1


def _drafted_by(referral: ReferralLetter, staff) -> ReferralLetter:
    ReferralLetter.objects.filter(pk=referral.pk).update(drafted_by=staff)
    referral.refresh_from_db()
    return referral


# -- rule 5: void, then re-enter ----------------------------------------------------------


@pytest.fixture
def posting_e(establishment_d):
    return factories.JobPostingFactory(number="07040-55554444", establishment=establishment_d)


@pytest.mark.django_db
def test_void_then_re_enter_is_another_establishment_within_the_window(
    alice, seeker_a, posting_c, posting_e
):
    consultation = consult(seeker_a, alice, apply=[posting_c, posting_e])
    first = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.referral_void(referral=first, staff=alice, reason="入力誤り")
    first.refresh_from_db()
    assert first.voided_at is not None
    window = lifecycle.RETRACT_REORDER_WINDOW
    assert lifecycle.void_then_reenter(consultation, posting_e, first.voided_at) == first
    assert lifecycle.void_then_reenter(consultation, posting_e, first.voided_at + window) == first
    later = first.voided_at + window + MICRO
    assert lifecycle.void_then_reenter(consultation, posting_e, later) is None
    # The same establishment again is a correction, not a re-order.
    assert lifecycle.void_then_reenter(consultation, posting_c, first.voided_at) is None


@pytest.mark.django_db
def test_referral_draft_flags_what_rule_5_names(alice, seeker_a, posting_c, posting_e):
    consultation = consult(seeker_a, alice, apply=[posting_c, posting_e])
    first = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.referral_void(referral=first, staff=alice, reason="入力誤り")
    expected = lifecycle.void_then_reenter(consultation, posting_e, timezone.now())
    second = called_draft(consultation=consultation, posting=posting_e, staff=alice)
    assert expected == first == second.previous_referral
    assert second.approval_reasons == ["retract_reorder"]
