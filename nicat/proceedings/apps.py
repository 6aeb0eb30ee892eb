from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceedingsConfig(AppConfig):
    name = "nicat.proceedings"
    label = "proceedings"
    verbose_name = _("Criminal proceedings")
