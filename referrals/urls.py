from django.urls import path

from referrals import views

urlpatterns = [
    path("", views.counter_home, name="counter_home"),
]
