"""DRF fields for institutions, used by the API of every app that names one (consent, referrals …)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from nicat.directory.models import Institution


class InstitutionRefField(serializers.SlugRelatedField):
    """An institution given and shown by its UUID (see /api/v1/institutions/)."""

    default_error_messages = {"does_not_exist": _("No active institution has the id “{value}”."),
                              "invalid": _("Give the institution's id (a UUID).")}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Institution.objects.filter(active=True))
        super().__init__(slug_field="uuid", **kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            raise
        except Exception:  # a malformed UUID
            self.fail("invalid")
