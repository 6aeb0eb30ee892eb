from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "nicat.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django import forms
        from django.db.models.signals import pre_save

        from nicat.core import validators

        # The shared input rules (nicat.core.validators) on every form field that takes a date or text,
        # wherever the form is defined: one rule, no field forgotten.
        for cls in (forms.DateField, forms.DateTimeField):
            if validators.plausible_date not in cls.default_validators:
                cls.default_validators = [*cls.default_validators, validators.plausible_date]
        if validators.plain_text not in forms.CharField.default_validators:
            forms.CharField.default_validators = [*forms.CharField.default_validators, validators.plain_text,
                                                  validators.text_length]
        # And on every Nicat model before it is saved (services, admin, commands alike).
        pre_save.connect(_enforce_input_rules, dispatch_uid="nicat.core.input_rules")
        from django.db.backends.signals import connection_created

        connection_created.connect(_private_sqlite_files, dispatch_uid="nicat.core.private_sqlite")


def _private_sqlite_files(sender, connection, **kwargs):
    """Whatever SQLite file Django opens (test databases too) is readable by Nicat's account only."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    from nicat.core.files import SQLITE_COMPANIONS, private_file

    name = str(connection.settings_dict["NAME"])
    for path in (name, *(name + suffix for suffix in SQLITE_COMPANIONS)):
        private_file(path)


def _enforce_input_rules(sender, instance, raw=False, **kwargs):
    if raw or not sender.__module__.startswith("nicat."):
        return
    from nicat.core.validators import enforce_on

    enforce_on(instance)
