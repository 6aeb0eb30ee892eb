"""Forms of the referral pages. Validation that matters lives in nicat.referrals.services."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.access import sections as access_sections
from nicat.consent.forms import DATETIME, DT_FORMATS, InstitutionChoiceField, LegalBasisFieldsMixin
from nicat.consent.models import Purpose
from nicat.directory.models import ServiceKind
from nicat.referrals import sections as S
from nicat.referrals.models import REFERRAL_PURPOSES, DocumentStatus, Urgency


class ReferralForm(LegalBasisFieldsMixin, forms.Form):
    to_institution = InstitutionChoiceField(label=_("Refer to"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[(p.value, p.label) for p in REFERRAL_PURPOSES],
                                initial=Purpose.REFERRAL)
    service = forms.ChoiceField(label=_("Service requested"), required=False,
                                choices=[("", "—"), *ServiceKind.choices])
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE)
    shared_sections = forms.MultipleChoiceField(
        label=_("What the receiving institution may see"), choices=access_sections.CHOICES, widget=forms.CheckboxSelectMultiple,
        required=False, initial=S.DEFAULT[Purpose.REFERRAL],
        help_text=_("Only what the purpose needs."))
    message = forms.CharField(label=_("Message to the receiving institution"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Kept encrypted. Write only what they need to help."))

    field_order = ["to_institution", "purpose", "service", "urgency", "shared_sections", "message"]

    def __init__(self, *args, exclude_institution=None, **kwargs):
        super().__init__(*args, section_choices=access_sections.CHOICES, **kwargs)
        if exclude_institution is not None:
            self.fields["to_institution"].queryset = self.fields["to_institution"].queryset.exclude(
                pk=exclude_institution.pk)

    def service_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("legal_basis")}
        data.update(self.legal_basis_data())
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TextForm(forms.Form):
    text = forms.CharField(label=_("Report"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                           required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReturnPlanForm(forms.Form):
    documents = forms.ChoiceField(label=_("Travel documents"), choices=DocumentStatus.choices)
    travel_date = forms.DateField(label=_("Date of travel"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    arrival_at = forms.DateTimeField(label=_("Expected arrival"), required=False, widget=DATETIME,
                                     input_formats=DT_FORMATS)
    arrival_point = forms.CharField(label=_("Point of arrival (airport, border crossing)"), max_length=200,
                                    required=False)
    travel_details = forms.CharField(label=_("Travel details (flight, escort)"), required=False, max_length=2000,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ArrivalForm(forms.Form):
    arrived_at = forms.DateTimeField(label=_("Arrived"), widget=DATETIME, input_formats=DT_FORMATS)
    note = forms.CharField(label=_("Reception on arrival"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # the return plan's, as read
