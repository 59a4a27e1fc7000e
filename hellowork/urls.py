from django.contrib import admin
from django.urls import include, path

from hellowork import auth_views, views

handler403 = "hellowork.views.permission_denied"

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("counter/login/", auth_views.StaffLoginView.as_view(), name="staff_login"),
    path("counter/login/verify/", auth_views.staff_otp, name="staff_otp"),
    path("counter/login/enroll/", auth_views.staff_otp_enroll, name="staff_otp_enroll"),
    path("mypage/login/", auth_views.EmployerLoginView.as_view(), name="employer_login"),
    path("mypage/login/verify/", auth_views.employer_otp, name="employer_otp"),
    path(
        "mypage/login/forgot/",
        auth_views.employer_password_forgot,
        name="employer_password_forgot",
    ),
    path("logout/", auth_views.logout_view, name="logout"),
    path("counter/", include("counter.urls")),
    path("display/", include("counter.display_urls")),
    path("mypage/", include("employer_portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
