from django.urls import path

from counter.views import (
    alerts,
    approvals,
    consultations,
    dashboard,
    displays,
    home,
    incidents,
    inspections,
    letters,
    protection,
    retractions,
    seekers,
)

urlpatterns = [
    path("", home.counter_home, name="counter_home"),
    path("seekers/", seekers.seeker_search, name="seeker_search"),
    path("seekers/<int:pk>/", seekers.seeker_detail, name="seeker_detail"),
    path("seekers/<int:pk>/consultations/", seekers.consultation_open, name="consultation_open"),
    path("seekers/<int:pk>/protection/", protection.seeker_protection, name="seeker_protection"),
    path(
        "seekers/<int:pk>/protection/lift/",
        protection.protection_lift_request,
        name="protection_lift_request",
    ),
    path(
        "seekers/<int:pk>/protection/lift/approve/",
        protection.protection_lift_approve,
        name="protection_lift_approve",
    ),
    path(
        "seekers/<int:pk>/protection/lift/reject/",
        protection.protection_lift_reject,
        name="protection_lift_reject",
    ),
    path("consultations/<int:pk>/", consultations.consultation_detail, name="consultation_detail"),
    path(
        "consultations/<int:pk>/open-record/",
        consultations.consultation_open_record,
        name="consultation_open_record",
    ),
    path(
        "consultations/<int:pk>/interests/", consultations.interest_record, name="interest_record"
    ),
    path("consultations/<int:pk>/postings/", consultations.posting_search, name="posting_search"),
    path("consultations/<int:pk>/decision/", consultations.decision_change, name="decision_change"),
    path("consultations/<int:pk>/note/", consultations.note_update, name="note_update"),
    path("consultations/<int:pk>/referrals/", consultations.referral_draft, name="referral_draft"),
    path(
        "consultations/<int:pk>/close/", consultations.consultation_close, name="consultation_close"
    ),
    path(
        "consultations/<int:pk>/merge/", consultations.consultation_merge, name="consultation_merge"
    ),
    path("referrals/<int:pk>/", letters.referral_detail, name="referral_detail"),
    path(
        "referrals/<int:pk>/open-record/", letters.referral_open_record, name="referral_open_record"
    ),
    path("referrals/<int:pk>/confirm/", letters.referral_confirm, name="referral_confirm"),
    path("referrals/<int:pk>/submit/", letters.referral_submit, name="referral_submit"),
    path("referrals/<int:pk>/call/", letters.referral_call, name="referral_call"),
    path(
        "referrals/<int:pk>/display/", letters.referral_display_show, name="referral_display_show"
    ),
    path(
        "referrals/<int:pk>/display/status/",
        letters.referral_display_status,
        name="referral_display_status",
    ),
    path("referrals/<int:pk>/void/", letters.referral_void, name="referral_void"),
    path("referrals/<int:pk>/letter/", letters.referral_letter, name="referral_letter"),
    path("referrals/<int:pk>/retract/", letters.referral_retract, name="referral_retract"),
    path(
        "referrals/<int:pk>/results/",
        letters.referral_result_receive,
        name="referral_result_receive",
    ),
    path("approvals/", approvals.approval_queue, name="approval_queue"),
    path("approvals/<int:pk>/", approvals.approval_detail, name="approval_detail"),
    path("approvals/<int:pk>/approve/", approvals.approval_approve, name="approval_approve"),
    path("approvals/<int:pk>/reject/", approvals.approval_reject, name="approval_reject"),
    path("retractions/<int:pk>/", retractions.retraction_detail, name="retraction_detail"),
    path(
        "retractions/<int:pk>/approve/", retractions.retraction_approve, name="retraction_approve"
    ),
    path("retractions/<int:pk>/reject/", retractions.retraction_reject, name="retraction_reject"),
    path("alerts/", alerts.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", alerts.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/resolve/", alerts.alert_resolve, name="alert_resolve"),
    path("alerts/<int:pk>/restore/", alerts.alert_restore, name="alert_restore"),
    path("incidents/", incidents.incident_list, name="incident_list"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident_detail"),
    path(
        "incidents/<int:pk>/tasks/<int:task_pk>/",
        incidents.incident_task_done,
        name="incident_task_done",
    ),
    path("incidents/<int:pk>/report/", incidents.incident_report, name="incident_report"),
    path(
        "incidents/<int:pk>/report/print/",
        incidents.incident_report_print,
        name="incident_report_print",
    ),
    path("incidents/<int:pk>/close/", incidents.incident_close, name="incident_close"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/bureau/", dashboard.dashboard_bureau, name="dashboard_bureau"),
    path("dashboard/quarterly/", dashboard.quarterly_report, name="quarterly_report"),
    path("dashboard/month.csv", dashboard.dashboard_month_csv, name="dashboard_month_csv"),
    path("dashboard/bureau.csv", dashboard.dashboard_bureau_csv, name="dashboard_bureau_csv"),
    path("dashboard/quarterly.csv", dashboard.quarterly_report_csv, name="quarterly_report_csv"),
    path("inspection/", inspections.self_inspection, name="self_inspection"),
    path("displays/", displays.display_list, name="display_list"),
    path(
        "displays/<int:pk>/pairing-code/",
        displays.display_pairing_code,
        name="display_pairing_code",
    ),
    path("displays/<int:pk>/retire/", displays.display_retire, name="display_retire"),
]
