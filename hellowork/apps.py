from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelloworkConfig(AppConfig):
    name = "hellowork"
    verbose_name = _("登録情報")
