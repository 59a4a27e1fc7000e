from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("職業紹介")

    def ready(self) -> None:
        from hellowork.signals import demo_built
        from referrals.demo import build_counter_demo

        demo_built.connect(build_counter_demo, dispatch_uid="referrals_demo_history")
