"""Form fields over vocabulary terms, labelled in the active language."""
from django import forms

from nicat.vocab.models import Term


class TermChoiceField(forms.ModelChoiceField):
    def __init__(self, vocabulary, **kwargs):
        super().__init__(queryset=Term.objects.of(vocabulary), **kwargs)

    def label_from_instance(self, obj):
        return obj.label


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, vocabulary, checkboxes=False, **kwargs):
        kwargs.setdefault("required", False)
        if checkboxes:
            kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        else:
            kwargs.setdefault("widget", forms.SelectMultiple(attrs={"size": 6}))
        super().__init__(queryset=Term.objects.of(vocabulary), **kwargs)

    def label_from_instance(self, obj):
        return obj.label
