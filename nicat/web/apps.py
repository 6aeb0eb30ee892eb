from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "nicat.web"
    label = "web"
    verbose_name = _("Layout")


class AxesConfig(AxesAppConfig):
    """django-axes under a name in the reader's language on the administration's index (its own
    catalogs have no Azerbaijani)."""

    verbose_name = _("Sign-in lock-outs")
