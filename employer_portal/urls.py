from django.urls import path

from employer_portal import views

# No personal data in any URL: applicants are addressed by their disclosure's opaque
# public_id, never by a seeker number, name or code.
urlpatterns = [
    path("", views.mypage_home, name="mypage_home"),
    path("applicants.csv", views.applicants_export, name="mypage_export"),
    path("applicants/<uuid:public_id>/", views.applicant_detail, name="mypage_applicant"),
    path("applicants/<uuid:public_id>/letter/", views.applicant_letter, name="mypage_letter"),
    path("applicants/<uuid:public_id>/result/", views.applicant_result, name="mypage_result"),
    path(
        "applicants/<uuid:public_id>/misdelivery/",
        views.applicant_misdelivery,
        name="mypage_misdelivery",
    ),
    path("code-check/", views.code_check, name="mypage_code_check"),
    path("notices/", views.notices, name="mypage_notices"),
    path(
        "notices/<uuid:public_id>/acknowledge/",
        views.notice_acknowledge,
        name="mypage_notice_acknowledge",
    ),
    path("members/", views.members, name="mypage_members"),
    path("members/<int:pk>/remove/", views.member_remove, name="mypage_member_remove"),
    path(
        "members/invitations/<int:pk>/cancel/",
        views.invitation_cancel,
        name="mypage_invitation_cancel",
    ),
    path(
        "password/set/<uidb64>/<token>/",
        views.MemberPasswordSetView.as_view(),
        name="mypage_password_set",
    ),
]
