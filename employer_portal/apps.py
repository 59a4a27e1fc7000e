from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployerPortalConfig(AppConfig):
    name = "employer_portal"
    verbose_name = _("求人者マイページ")
