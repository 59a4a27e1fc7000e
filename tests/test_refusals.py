"""Every refusal a service raises shows somewhere (DESIGN.md section 5).

A view puts a service's ValidationError on its form: a key that names a field of that
form goes next to the field, a non-field refusal above the form (hellowork.formtools).
A key the form does not have would say, next to nothing, what is wrong: this test finds
the keys by reading the services (tests/refusal_keys.py) and checks them against the forms
the views use, and checks that each service's docstring ends with a "Refuses:" section
naming every key."""

import ast
import importlib
from fnmatch import fnmatch

import pytest

from tests.refusal_keys import public_functions, refusals_by_service

# Where the forms live (the counter's may move to an app of its own).
FORM_MODULES = (
    "counter.forms",
    "referrals.forms",
    "employer_portal.forms",
    "hellowork.forms",
    "hellowork.auth_views",
)

# The page shows every message of the refusal whatever its key ("messages.error", the
# admin's message_user), or the view answers every refusal alike (a redirect).
MESSAGES = "every message on the page"

# Which form(s) each service's refusals land on, read from the views (counter views,
# employer_portal/views.py, hellowork's views and admin). `forms.Form` is a bare form: only
# non-field refusals fit it.
SHOWN_ON: dict[str, tuple[str, ...]] = {
    # referrals.services.counter
    "counter.consultation_open": ("OpenConsultationForm",),
    "counter.consultation_close": ("ActionForm",),
    "counter.consultation_note_update": ("NoteForm",),
    "counter.consultation_merge": ("MergeForm",),
    "counter.interest_record": ("InterestForm", "DecisionForm"),
    "counter.employer_call_record": ("EmployerCallForm",),
    "counter.referral_draft": ("DraftForm",),
    "counter.referral_confirm_in_session": ("ConfirmInSessionForm",),
    "counter.referral_submit": ("ActionForm",),
    "counter.approval_statement_check": ("StatementForm",),
    "counter.referral_approve": ("ApproveForm",),
    "counter.referral_reject": ("ReasonForm",),
    "counter.referral_void": ("ReasonForm",),
    # referrals.services.displays
    "displays.display_pair": ("DisplayRegisterForm",),
    "displays.display_pairing_redeem": ("DisplayPairForm",),
    "displays.display_pairing_renew": (MESSAGES,),
    "displays.display_retire": (MESSAGES,),
    "displays.display_show": ("ActionForm",),
    "displays.display_seeker_confirm": ("DisplayAnswerForm",),
    "displays.display_seeker_decline": ("DisplayAnswerForm",),
    # referrals.services.employer, results, retraction, containment, incidents
    "employer.selection_result_record": ("SelectionResultForm",),
    "employer.misdelivery_report": ("MisdeliveryForm",),
    "results.selection_result_receive": ("ResultReceiveForm",),
    "retraction.referral_retract": ("RetractForm",),
    "retraction.retraction_approve": ("ActionForm",),
    "retraction.retraction_reject": ("RejectRetractionForm",),
    "containment.misdelivery_restore": ("MisdeliveryRestoreForm",),
    "incidents.retraction_acknowledge": (MESSAGES,),
    "incidents.incident_task_complete": ("TaskForm",),
    "incidents.incident_report_update": ("IncidentReportForm",),
    "incidents.incident_close": ("ActionForm",),
    "incidents.alert_acknowledge": ("forms.Form",),
    "incidents.alert_resolve": ("AlertResolveForm",),
    "incidents.self_inspection_submit": ("SelfInspectionForm",),
    "incidents.self_inspection_item_create": (MESSAGES,),  # the admin
    "incidents.self_inspection_item_change": (MESSAGES,),
    # hellowork.services
    "hellowork.services.employer_member_add": ("MemberAddForm",),
    "hellowork.services.employer_invitation_cancel": (MESSAGES,),
    "hellowork.services.employer_member_remove": (MESSAGES,),
    "hellowork.services.seeker_protection_set": ("ProtectionSetForm",),
    "hellowork.services.seeker_protection_lift_request": ("ProtectionLiftForm",),
    "hellowork.services.seeker_protection_lift_approve": ("ProtectionDecisionForm",),
    "hellowork.services.seeker_protection_lift_reject": ("ProtectionDecisionForm",),
    "hellowork.services.staff_totp_enroll": (MESSAGES,),  # another tab enrolled: redirect
    "hellowork.services.registry_create": (MESSAGES,),  # the admin's message_user
    "hellowork.services.registry_change": (MESSAGES,),
    "hellowork.services.posting_update": (MESSAGES,),
    "hellowork.services.seeker_update": (MESSAGES,),
    "hellowork.services.establishment_update": (MESSAGES,),
    "hellowork.services.registry_retire": (MESSAGES,),
    "hellowork.services.registry_restore": (MESSAGES,),
    "hellowork.services.user_password_set_by_admin": (MESSAGES,),
    "hellowork.services.staff_totp_reset": (MESSAGES,),
    "hellowork.services.registry_import": (MESSAGES,),
}

# Refusals no form shows by itself: made for the services above (whose callers' keys are
# checked through them) or for a page that says them in its own words.
NOT_ON_A_FORM = {
    "counter.call_refusal",  # the letter page says it; referral_* raise it
    "counter.refusal_of_call",
    "counter.require_call",
    "registry.excluded_refusal",
    "registry.require_not_excluded",
    "registry.rule13_refusal",
    "registry.require_rule13",
    "results.result_values",  # through selection_result_record / _receive
    "results.append_result",
}

# Keys a view reads itself instead of showing them: the display turns the seeker's
# mismatch and "not this job" into pages of their own (views of the seeker's display).
READ_BY_THE_VIEW = {
    "displays.display_seeker_confirm": {"seeker_birth_date"},
    "displays.display_seeker_decline": {"seeker_declined"},
}

# Keys a form does not have, shown above it on purpose (hellowork.formtools.add_errors puts
# a key the form lacks there). Each is a finding of this test, kept with its reason; a new
# one must be a field, a non-field refusal, or argued here.
ABOVE_THE_FORM = {
    # The form folds "reached" and "accepting" into one choice, `outcome`, that always
    # gives `accepting` when reached: the refusal is for other callers.
    ("counter.employer_call_record", "EmployerCallForm"): {"accepting"},
    # The approve step re-checks the statement made on the previous step (StatementForm,
    # kept in the session): a mismatch found now is said above the approve button.
    ("counter.referral_approve", "ApproveForm"): {"source", "stated_posting_number"},
}

# Fields a form adds in __init__: one per check-sheet item.
ADDED_FIELDS = {"SelfInspectionForm": {"item_*"}}


def _short(name: str) -> str:
    return name.removeprefix("referrals.services.")


REFUSALS = {_short(name): refusals for name, refusals in refusals_by_service().items()}
REFUSING = sorted(name for name, refusals in REFUSALS.items() if refusals)


def _form_fields(name: str) -> set[str]:
    if name == "forms.Form":
        return set()
    for module_name in FORM_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if form := getattr(module, name, None):
            return set(form.base_fields) | ADDED_FIELDS.get(name, set())
    raise AssertionError(f"no form {name} in {FORM_MODULES}")


def test_every_refusing_service_is_placed():
    """A new service that refuses says where its refusals show."""
    unplaced = [name for name in REFUSING if name not in SHOWN_ON and name not in NOT_ON_A_FORM]
    assert unplaced == [], "add them to SHOWN_ON or NOT_ON_A_FORM"
    named = set(SHOWN_ON) | NOT_ON_A_FORM | set(READ_BY_THE_VIEW)
    named |= {service for service, _form in ABOVE_THE_FORM}
    assert sorted(named - set(REFUSALS)) == []


@pytest.mark.parametrize("service", sorted(SHOWN_ON))
def test_every_refusal_key_is_a_field_of_the_form_or_non_field(service):
    read = READ_BY_THE_VIEW.get(service, set())
    for place in SHOWN_ON[service]:
        if place == MESSAGES:
            continue
        fields = _form_fields(place) | ABOVE_THE_FORM.get((service, place), set())
        nowhere = sorted(
            f"{refusal.key} ({refusal.module}, line {refusal.line})"
            for refusal in REFUSALS[service]
            if refusal.key is not None
            and refusal.key not in read
            and not any(fnmatch(refusal.key, field) for field in fields)
        )
        assert nowhere == [], f"{service} on {place}: keys with no field, shown nowhere"


@pytest.mark.parametrize("service", REFUSING)
def test_no_key_is_computed_out_of_reach(service):
    """A key the reading cannot name cannot be checked: name it, or bind it to a literal
    at the call (tests/refusal_keys.py follows literal arguments)."""
    computed = sorted({r.key for r in REFUSALS[service] if r.key and r.key.startswith("<")})
    assert computed == []


FUNCTIONS = {_short(name): function for name, function in public_functions().items()}


def _refuses_section(function: ast.FunctionDef) -> str:
    docstring = ast.get_docstring(function) or ""
    _, found, section = docstring.rpartition("Refuses:")
    assert found, 'the docstring ends with a "Refuses:" section'
    return section


@pytest.mark.parametrize("service", sorted(FUNCTIONS))
def test_docstring_ends_with_what_it_refuses(service):
    section = _refuses_section(FUNCTIONS[service])
    keys = {refusal.key for refusal in REFUSALS[service]}
    if not keys:
        return
    missing = sorted(
        str(key) for key in keys if (("non-field:" if key is None else f"`{key}`:") not in section)
    )
    assert missing == [], f"{service}'s Refuses: section does not name these keys"
