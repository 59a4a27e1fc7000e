from django.urls import path

from employer_portal import views

urlpatterns = [
    path("", views.mypage_home, name="mypage_home"),
]
