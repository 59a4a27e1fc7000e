from django.contrib import admin
from django.urls import include, path

from hellowork import views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("counter/login/", views.StaffLoginView.as_view(), name="staff_login"),
    path("mypage/login/", views.EmployerLoginView.as_view(), name="employer_login"),
    path("logout/", views.logout_view, name="logout"),
    path("counter/", include("referrals.urls")),
    path("mypage/", include("employer_portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
