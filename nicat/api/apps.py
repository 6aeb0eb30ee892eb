import datetime

from django.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "nicat.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from rest_framework import serializers

        from nicat.core import validators

        # The one plausible range (nicat.core.validators) on every date and date-time of the API.
        for cls in (serializers.DateField, serializers.DateTimeField):
            if validators.plausible_date not in cls.default_validators:
                cls.default_validators = [*cls.default_validators, validators.plausible_date]
        _sane_offsets(serializers.DateTimeField)
        _no_overflow(serializers.DateTimeField)


def _no_overflow(cls):
    """DRF converts a typed date-time to the time zone before any validator runs; for year 1 or 9999
    that overflows (a 500). Such a value gets the plausible-range message instead."""
    if getattr(cls.to_internal_value, "nicat_no_overflow", False):
        return
    original = cls.to_internal_value

    def to_internal_value(self, value):
        try:
            return original(self, value)
        except OverflowError:
            from rest_framework.exceptions import ValidationError

            from nicat.core.validators import range_message

            raise ValidationError(range_message(), code="implausible_date") from None

    to_internal_value.nicat_no_overflow = True
    cls.to_internal_value = to_internal_value


def _sane_offsets(cls):
    """Before 1924 Asia/Baku kept local mean time (+03:19:24): such a moment is given in UTC rather
    than with an offset in seconds that no client expects. An aware moment is put into the time zone
    once (DRF's own method did it a second time: a look-up of the active time zone per date-time field,
    a twentieth of an API case read's CPU) and written as DRF writes it."""
    if getattr(cls.to_representation, "nicat_sane_offset", False):
        return
    original = cls.to_representation
    from rest_framework import ISO_8601
    from rest_framework.settings import api_settings

    def to_representation(self, value):
        if not isinstance(value, datetime.datetime) or not timezone.is_aware(value):
            return original(self, value)
        output_format = getattr(self, "format", api_settings.DATETIME_FORMAT)
        if output_format is None:
            return original(self, value)
        local = self.enforce_timezone(value)
        offset = local.utcoffset()
        if offset is not None and offset.seconds % 60:
            return value.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
        if output_format.lower() != ISO_8601:
            return local.strftime(output_format)
        text = local.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    to_representation.nicat_sane_offset = True
    to_representation.nicat_original = original  # DRF's, for the test that both write the same
    cls.to_representation = to_representation
