"""Forms of the hotline pages. The rules live in the services; forms parse input."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.hotline import selectors
from nicat.hotline.models import CallerType, Channel, Outcome, Reason
from nicat.vocab.forms import TermChoiceField

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
STAFF_OUTCOMES = [(v, label) for v, label in Outcome.choices if v not in (Outcome.NEW_CASE, Outcome.LINKED_CASE)]


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if not obj.active:  # only ever the contact's own, earlier referral (ContactEditForm)
            return _("%(name)s (no longer active)") % {"name": obj.name}
        return obj.name


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    started_at = forms.DateTimeField(label=_("Time"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), required=False, min_value=0,
                                          max_value=1440)
    caller_type = forms.ChoiceField(label=_("Who contacted"), choices=CallerType.choices)
    language = TermChoiceField("language", label=_("Language"), required=False)
    region = TermChoiceField("region", label=_("Region"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    subject_age = forms.IntegerField(label=_("Age of the person concerned (estimate)"), required=False,
                                     min_value=0, max_value=120)
    subject_is_child = forms.BooleanField(label=_("The person concerned is a child"), required=False)
    location = forms.CharField(label=_("Where the person is now"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Only if given. A place alerts the duty service. Kept encrypted."))
    gave_information = forms.BooleanField(label=_("Information given"), required=False)
    gave_consultation = forms.BooleanField(label=_("Consultation given"), required=False)
    gave_referral = forms.BooleanField(label=_("Referral given"), required=False)
    referred_to = InstitutionChoiceField(queryset=selectors.referral_choices(),
                                         label=_("Referred to"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=STAFF_OUTCOMES)
    follow_up_due = forms.DateTimeField(label=_("Follow-up or callback due"), required=False, widget=DATETIME,
                                        input_formats=DATETIME_FORMATS)
    identity_consent = forms.BooleanField(label=_("The caller agrees to give their identity"), required=False)
    caller_name = forms.CharField(label=_("Caller's name"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=100)
    safe_contact = forms.CharField(label=_("How to reach the person safely"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Kept encrypted."))

    @classmethod
    def initial_from(cls, contact):
        from nicat.hotline.services import FIELDS

        return {f: getattr(contact, f) for f in FIELDS}


class ContactEditForm(ContactForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referred_to"].queryset = selectors.referral_choices(contact)


class LinkSearchForm(forms.Form):
    """What the caller agreed to say about the person, for the duplicate check."""

    family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    phone = forms.CharField(label=_("Phone"), max_length=100, required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("family_name", "given_name", "phone", "document_number")):
            raise forms.ValidationError(_("Give at least a name, a document number or a phone number."))
        return data

    def to_data(self):
        d = dict(self.cleaned_data)
        number = d.pop("document_number", "")
        d["documents"] = [{"number": number}] if number else []  # the shape of persons.forms.CandidateForm
        d["aliases"] = []
        return d


class HelpForm(forms.Form):
    """The public "ask for help" form: everything optional. `website` is a honeypot (hidden from people,
    filled by robots); `stamp` is a signed time the form was shown (a form sent too fast is a script)."""

    what = forms.CharField(label=_("What is happening?"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("Optional. Write as much or as little as you want."))
    contact = forms.CharField(label=_("How can we reach you (or the person) safely?"), required=False,
                              max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Optional: a phone number, a time to call, a safe word. Leave it empty "
                                          "to stay anonymous."))
    website = forms.CharField(required=False, label=_("Leave this field empty"),
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)
