"""The seeker-facing display (/display/): no user login, a paired device credential."""

from django.urls import path

from counter.views import seeker_display

urlpatterns = [
    path("", seeker_display.display_home, name="display_home"),
    path("pair/", seeker_display.display_pair, name="display_pair"),
    path("screen/", seeker_display.display_screen, name="display_screen"),
    path("answer/", seeker_display.display_answer, name="display_answer"),
]
