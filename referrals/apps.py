from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("職業紹介")

    def ready(self) -> None:
        from hellowork.signals import demo_built, registry_changed, seeker_protected
        from referrals.demo import build_counter_demo
        from referrals.services import registry

        demo_built.connect(build_counter_demo, dispatch_uid="referrals_demo_history")
        # Rule 13: registry changes and protections raise their alerts on this side.
        registry_changed.connect(registry.on_registry_changed, dispatch_uid="referrals_registry")
        seeker_protected.connect(registry.on_seeker_protected, dispatch_uid="referrals_protection")
