"""DRF fields for vocabulary terms, used by every app's API (vocab is the lowest domain app, so any app may
import it)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

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

    @classmethod
    def many_init(cls, *args, **kwargs):
        """As DRF's, with the list field that reads terms already loaded (TermsField)."""
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update((key, value) for key, value in kwargs.items() if key in MANY_RELATION_KWARGS)
        return TermsField(**list_kwargs)

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


class TermsField(serializers.ManyRelatedField):
    """The list of a record's terms in one relation (`TermField(..., many=True)`). Where the read already
    loaded them (prefetch_related, nicat.cases.selectors.load_terms) they are taken from the record as they
    are, instead of through a related manager made for each field of each response (a fifth of the case
    representation's CPU); otherwise as DRF reads them."""

    def get_attribute(self, instance):
        loaded = getattr(instance, "_prefetched_objects_cache", None)
        if loaded and len(self.source_attrs) == 1 and self.source_attrs[0] in loaded and instance.pk is not None:
            return loaded[self.source_attrs[0]]
        return super().get_attribute(instance)
