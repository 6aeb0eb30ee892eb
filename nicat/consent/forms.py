"""Forms of the consent pages. Validation that matters lives in nicat.consent.services."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.consent.models import Decision, GivenBy, Method, Purpose
from nicat.consent.services import MAX_FORM_BYTES
from nicat.directory.models import Institution, ServiceKind
from nicat.vocab.forms import TermChoiceField

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class InstitutionChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Institution.objects.filter(active=True).select_related("kind").order_by("name_az"),
                         to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.kind.label})"


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect,
                                 initial=Decision.GIVEN)
    institution = InstitutionChoiceField(label=_("For the institution"), required=False,
                                         help_text=_("Required for a referral and for notifying an embassy."))
    service = forms.ChoiceField(label=_("Service"), required=False, choices=[("", "—"), *ServiceKind.choices])
    given_by = forms.ChoiceField(label=_("Given by"), choices=GivenBy.choices, initial=GivenBy.PERSON)
    representative_name = forms.CharField(label=_("Name of the legal representative"), max_length=200,
                                          required=False)
    representative_relation = forms.CharField(label=_("Relation to the person"), max_length=200, required=False,
                                              help_text=_("Parent, guardian, guardianship authority …"))
    child_view = forms.CharField(label=_("The child's own view"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text=_("Required for a child: what the child said, in their words."))
    method = forms.ChoiceField(label=_("How it was given"), choices=Method.choices)
    interpreter_language = TermChoiceField("language", label=_("Language of the interpretation"), required=False)
    given_at = forms.DateTimeField(label=_("Given on"), widget=DATETIME, input_formats=DT_FORMATS)
    expires_at = forms.DateTimeField(label=_("Valid until (optional)"), widget=DATETIME, input_formats=DT_FORMATS,
                                     required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=5000)
    signed_form = forms.FileField(label=_("Signed form (PDF, JPEG or PNG, at most 2 MB)"), required=False)

    def clean_signed_form(self):
        upload = self.cleaned_data.get("signed_form")
        if upload and upload.size > MAX_FORM_BYTES:
            raise forms.ValidationError(_("The signed form is larger than 2 MB. Scan it at a lower resolution or "
                                          "as a PDF."))
        return upload

    def to_service_data(self):
        data = dict(self.cleaned_data)
        data.pop("signed_form", None)
        return data

    def form_bytes(self):
        upload = self.cleaned_data.get("signed_form")
        return upload.read() if upload else None


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=5000, help_text=_("How and when the person withdrew the consent."))
