from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.retention.models import DECISIONS, Requester, RequestKind


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("The person asks to"), choices=RequestKind.choices)
    requested_by = forms.ChoiceField(label=_("Asked by"), choices=Requester.choices, initial=Requester.PERSON)
    requested_on = forms.DateField(label=_("Asked on"), widget=forms.DateInput(attrs={"type": "date"}))
    details = forms.CharField(label=_("What was asked"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                              help_text=_("In the person's words. For a correction, also enter the corrected "
                                          "values below."))
    given_name = forms.CharField(label=_("Corrected given name"), required=False, max_length=150)
    family_name = forms.CharField(label=_("Corrected family name"), required=False, max_length=150)
    patronymic = forms.CharField(label=_("Corrected patronymic"), required=False, max_length=150)
    birth_date = forms.DateField(label=_("Corrected date of birth"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(label=_("Corrected phone"), required=False, max_length=100)
    email = forms.EmailField(label=_("Corrected e-mail"), required=False, max_length=254)
    address = forms.CharField(label=_("Corrected address"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    CORRECTION_FIELDS = ("given_name", "family_name", "patronymic", "birth_date", "phone", "email", "address")

    def corrections(self):
        return {f: self.cleaned_data.get(f) for f in self.CORRECTION_FIELDS if self.cleaned_data.get(f)}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS,
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
