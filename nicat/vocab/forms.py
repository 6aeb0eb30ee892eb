"""Form fields over vocabulary terms, labelled in the active language.

Long lists (countries, languages: some 250 entries) are searchable: the select carries
`data-searchable`, which nicat.js turns into a Tom Select box (vendored, nicat/web/static/vendor). Without
JavaScript the native select still works."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.core.forms import ModelMultipleChoiceField, Select, SelectMultiple
from nicat.vocab.models import Term

# Vocabularies long enough that people search rather than scroll.
LONG = frozenset({"country", "language"})


def searchable_attrs(**extra):
    return {"data-searchable": "", "data-placeholder": _("Type to search…"), "data-no-results": _("Nothing matches"),
            "data-remove-label": _("Remove"), **extra}


class TermChoiceField(forms.ModelChoiceField):
    def __init__(self, vocabulary, **kwargs):
        kwargs.setdefault("widget", Select(attrs=searchable_attrs()) if vocabulary in LONG else Select)
        super().__init__(queryset=Term.objects.of(vocabulary), **kwargs)

    def label_from_instance(self, obj):
        return obj.label


class TermMultipleChoiceField(ModelMultipleChoiceField):
    def __init__(self, vocabulary, checkboxes=False, **kwargs):
        kwargs.setdefault("required", False)
        if checkboxes:
            kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        else:
            kwargs.setdefault("widget", SelectMultiple(attrs=searchable_attrs(size=6)))
        super().__init__(queryset=Term.objects.of(vocabulary), **kwargs)

    def label_from_instance(self, obj):
        return obj.label
