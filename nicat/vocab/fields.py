"""DRF fields for vocabulary terms, used by every app's API (vocab is the lowest domain app, so any app may
import it)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from nicat.vocab.models import Term


class TermField(serializers.SlugRelatedField):
    """A vocabulary term given and shown by its stable code (see /api/v1/vocabularies/)."""

    default_error_messages = {
        "does_not_exist": _("Unknown code “{value}”. The valid codes are listed at /api/v1/vocabularies/{vocabulary}/."),
        "invalid": _("Give the code as text."),
    }

    def __init__(self, vocabulary, **kwargs):
        self.vocabulary = vocabulary
        # The manager, not `Term.objects.of(vocabulary)`: a field is built (and deep-copied) for
        # every serializer of every request, and composing a filtered queryset each time cost a
        # third of a case read's serialisation. The filter is applied when a value is looked up.
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Term.objects)
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.of(self.vocabulary) if queryset is not None else queryset

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(code=data)
        except Term.DoesNotExist:
            self.fail("does_not_exist", value=str(data)[:64], vocabulary=self.vocabulary)
        except (TypeError, ValueError):
            self.fail("invalid")
