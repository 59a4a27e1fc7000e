"""Every write of the referral side (DESIGN.md section 5), in one package:

- counter: consultations, decisions, referral letters (rules 1 to 7), views of personal data;
- displays: the seeker-facing display, its pairing, the read-back and the seeker's answer
  (rule 3);
- retraction: rule 8;
- employer: the my page (rules 7, 9, 10);
- results: selection results by every route (the counter's side; issue 20);
- incidents: incidents, their tasks and report, alerts, escalation, the self-inspection;
- retention: erasing personal data past its retention period;
- exports: the employer's applicant list as CSV, checked row by row and traced.

Each function takes keyword-only arguments, runs in one transaction, locks what it
changes, checks the caller itself, refuses with ValidationError or PermissionDenied and a
message a clerk understands, and appends its AuditEvents. A refusal that the rules ask to
record (a caught mismatch) is committed first and raised afterwards, so that the trace
survives the refusal. The contract's names are importable from here:
`from referrals import services; services.referral_draft(...)`.
"""

from referrals.lifecycle import ACTIVE_STATUSES, RETRACT_REORDER_WINDOW
from referrals.services import (
    counter,
    displays,
    employer,
    exports,
    incidents,
    results,
    retention,
    retraction,
)
from referrals.services._shared import ERASED_SNAPSHOT_FIELDS, checker_refusal
from referrals.services.counter import (
    CLERK_MISMATCH_WARNING,
    MISMATCH_LIMIT,
    approval_reasons,
    approval_statement_check,
    call_refusal,
    caught_mismatches_today,
    consultation_close,
    consultation_merge,
    consultation_note_update,
    consultation_open,
    consultations_close_expired,
    employer_call_record,
    interest_record,
    latest_call,
    referral_approve,
    referral_confirm_in_session,
    referral_draft,
    referral_reject,
    referral_submit,
    referral_void,
    refusal_of_answer,
    refusal_of_call,
    require_call,
    seeker_answer_refusal,
    staff_list_record,
    staff_search_record,
    staff_view_record,
)
from referrals.services.displays import (
    Pairing,
    display_pair,
    display_pairing_redeem,
    display_pairing_renew,
    display_readback_shown,
    display_retire,
    display_seeker_confirm,
    display_seeker_decline,
    display_seen,
    display_show,
)
from referrals.services.employer import (
    CodeCheckAnswer,
    checked_members,
    code_check,
    code_not_registered_message,
    disclosure_view_record,
    disclosures_list_view_record,
    employer_notifications_send,
    employer_restore_notices_send,
    employer_withdrawal_notices_send,
    misdelivery_report,
    result_window_closed_message,
    selection_result_record,
)
from referrals.services.exports import ExportRefused, applicants_export
from referrals.services.registry import rule13_refusal
from referrals.services.results import (
    NOTE_MAX_LENGTH,
    START_DATE_HORIZON,
    selection_result_receive,
)
from referrals.services.retention import personal_data_erase, retention_cutoff
from referrals.services.retraction import (
    RETRACTION_REASON_MAX_LENGTH,
    default_data_items,
    referral_retract,
    retraction_approve,
    retraction_checker_refusal,
    retraction_reject,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CLERK_MISMATCH_WARNING",
    "ERASED_SNAPSHOT_FIELDS",
    "MISMATCH_LIMIT",
    "NOTE_MAX_LENGTH",
    "RETRACTION_REASON_MAX_LENGTH",
    "RETRACT_REORDER_WINDOW",
    "START_DATE_HORIZON",
    "CodeCheckAnswer",
    "ExportRefused",
    "Pairing",
    "applicants_export",
    "approval_reasons",
    "approval_statement_check",
    "call_refusal",
    "caught_mismatches_today",
    "checked_members",
    "checker_refusal",
    "code_check",
    "code_not_registered_message",
    "consultation_close",
    "consultation_merge",
    "consultation_note_update",
    "consultation_open",
    "consultations_close_expired",
    "counter",
    "default_data_items",
    "disclosure_view_record",
    "disclosures_list_view_record",
    "display_pair",
    "display_pairing_redeem",
    "display_pairing_renew",
    "display_readback_shown",
    "display_retire",
    "display_seeker_confirm",
    "display_seeker_decline",
    "display_seen",
    "display_show",
    "displays",
    "employer",
    "employer_call_record",
    "employer_notifications_send",
    "employer_restore_notices_send",
    "employer_withdrawal_notices_send",
    "exports",
    "incidents",
    "interest_record",
    "latest_call",
    "misdelivery_report",
    "personal_data_erase",
    "referral_approve",
    "referral_confirm_in_session",
    "referral_draft",
    "referral_reject",
    "referral_retract",
    "referral_submit",
    "referral_void",
    "refusal_of_answer",
    "refusal_of_call",
    "require_call",
    "result_window_closed_message",
    "results",
    "retention",
    "retention_cutoff",
    "retraction",
    "retraction_approve",
    "retraction_checker_refusal",
    "retraction_reject",
    "rule13_refusal",
    "seeker_answer_refusal",
    "selection_result_receive",
    "selection_result_record",
    "staff_list_record",
    "staff_search_record",
    "staff_view_record",
]
