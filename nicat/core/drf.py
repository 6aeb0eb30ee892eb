"""What every app's API shares and that needs no other Nicat app (DRF only)."""
from django.utils.translation import gettext_lazy as _


class RefuseUnknownFieldsMixin:
    """For a serializer: a field the client may not set (unknown or read-only) is refused with 400
    naming it, instead of being silently dropped while the answer says 201."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            refused = sorted(str(k) for k in data.keys() if k not in writable)
            if refused:
                from rest_framework.exceptions import ValidationError

                raise ValidationError({name: [_("This field cannot be set here: it is unknown or set by Nicat.")]
                                       for name in refused})
        return super().to_internal_value(data)
