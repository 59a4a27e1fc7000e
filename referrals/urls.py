from django.urls import path

from referrals.views import approvals, consultations, home, letters, seekers

urlpatterns = [
    path("", home.counter_home, name="counter_home"),
    path("seekers/", seekers.seeker_search, name="seeker_search"),
    path("seekers/<int:pk>/", seekers.seeker_detail, name="seeker_detail"),
    path("seekers/<int:pk>/consultations/", seekers.consultation_open, name="consultation_open"),
    path("consultations/<int:pk>/", consultations.consultation_detail, name="consultation_detail"),
    path(
        "consultations/<int:pk>/interests/", consultations.interest_record, name="interest_record"
    ),
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
    path("referrals/<int:pk>/confirm/", letters.referral_confirm, name="referral_confirm"),
    path("referrals/<int:pk>/submit/", letters.referral_submit, name="referral_submit"),
    path("referrals/<int:pk>/void/", letters.referral_void, name="referral_void"),
    path("referrals/<int:pk>/letter/", letters.referral_letter, name="referral_letter"),
    path("approvals/", approvals.approval_queue, name="approval_queue"),
    path("approvals/<int:pk>/", approvals.approval_detail, name="approval_detail"),
    path("approvals/<int:pk>/approve/", approvals.approval_approve, name="approval_approve"),
    path("approvals/<int:pk>/reject/", approvals.approval_reject, name="approval_reject"),
]
