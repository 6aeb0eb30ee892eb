"""What every app's API shares and that needs no other Nicat app (DRF only)."""
import threading

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


_templates = threading.local()


def represent(serializer_class, instance, *, context):
    """`serializer_class(instance, context=context).data`, for a read, with the serializer's fields built
    once per thread instead of for every response.

    DRF builds a serializer's fields anew each time it makes one (a ModelSerializer derives each from
    the model and deep-copies the declared ones): a quarter of the CPU of an API case read. Turning a
    record into its representation only reads the record and the context (the request, for the
    sections the caller may see), so the fields of one serializer per class and thread can serve every
    read on that thread; the context is set for the call and cleared after it."""
    cache = getattr(_templates, "by_class", None)
    if cache is None:
        cache = _templates.by_class = {}
    serializer = cache.get(serializer_class)
    if serializer is None or serializer._nicat_in_use:
        serializer = serializer_class(context={})
        serializer.fields  # noqa: B018 - build them now, once
        serializer._nicat_in_use = False
        cache.setdefault(serializer_class, serializer)
    serializer._nicat_in_use = True
    serializer._context = context
    serializer.instance = instance
    try:
        return serializer.to_representation(instance)
    finally:
        serializer._context = {}
        serializer.instance = None
        serializer._nicat_in_use = False
