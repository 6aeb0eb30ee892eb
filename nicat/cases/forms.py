"""Forms of the case pages. Validation that matters lives in the services; forms parse input."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from nicat.cases.models import (
    CLOSED_STATUSES,
    OWNER_FIELDS,
    CameToNotice,
    CaseStatus,
    ClosureReason,
    EventKind,
    Scope,
    TraffickingStatus,
)
from nicat.vocab.forms import TermChoiceField, TermMultipleChoiceField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PersonForm(forms.Form):
    family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    aliases = forms.CharField(label=_("Other names and spellings"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("One per line: aliases, nicknames, other spellings."))
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    birth_date_is_estimate = forms.BooleanField(label=_("The date of birth is an estimate"), required=False)
    estimated_age = forms.IntegerField(label=_("Estimated age (years), if the date of birth is unknown"),
                                       required=False, min_value=0, max_value=120)
    gender = TermChoiceField("gender", label=_("Gender"), required=False)
    citizenships = TermMultipleChoiceField("country", label=_("Citizenship"),
                                           help_text=_("Choose “Stateless” for a stateless person."))
    languages = TermMultipleChoiceField("language", label=_("Languages"))
    document_type = TermChoiceField("document_type", label=_("Identity document"), required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    document_country = TermChoiceField("country", label=_("Issued by"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_aliases(self):
        return [line.strip() for line in self.cleaned_data["aliases"].splitlines() if line.strip()]

    def clean(self):
        data = super().clean()
        if data.get("document_number") and not data.get("document_type"):
            self.add_error("document_type", _("Choose the type of the identity document."))
        # The service's own rules, so that every mistake is shown at once (the service checks again).
        from nicat.persons.services import validate_person_data

        try:
            validate_person_data({k: v for k, v in data.items() if k not in self.errors})
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, errors)
        return data

    def to_service_data(self, documents=None):
        """The service's data. `documents`, the person's stored documents on the edit page: the form shows and
        edits the first one only, so the others are kept (and the first one as stored, expiry included, when
        the page left it as it was)."""
        d = dict(self.cleaned_data)
        doc_type, number, country = d.pop("document_type"), d.pop("document_number"), d.pop("document_country")
        shown = {"type": doc_type.code if doc_type else "", "number": number, "country": country.code if country else ""}
        stored = list(documents or [])
        first = stored[0] if stored else {}
        if all((first.get(k) or "") == v for k, v in shown.items()):
            shown = first
        d["documents"] = ([shown] if number or doc_type else []) + stored[1:]
        return d

    @classmethod
    def initial_from(cls, person):
        doc = (person.documents or [{}])[0]
        from nicat.vocab.models import Term

        def term(vocab, code):
            return Term.objects.filter(vocabulary=vocab, code=code).first() if code else None

        return {
            "family_name": person.family_name, "given_name": person.given_name, "patronymic": person.patronymic,
            "aliases": "\n".join(person.aliases or []), "birth_date": person.birth_date,
            "birth_date_is_estimate": person.birth_date_is_estimate, "estimated_age": person.estimated_age,
            "gender": person.gender, "citizenships": list(person.citizenships.all()),
            "languages": list(person.languages.all()),
            "document_type": term("document_type", doc.get("type")), "document_number": doc.get("number", ""),
            "document_country": term("country", doc.get("country")),
            "phone": person.phone, "email": person.email, "address": person.address,
        }


class CaseForm(forms.Form):
    came_to_notice = forms.ChoiceField(label=_("How the person came to notice"), choices=CameToNotice.choices)
    first_contact_at = forms.DateTimeField(label=_("First contact"), widget=DATETIME,
                                           input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
    acts = TermMultipleChoiceField("act", checkboxes=True, label=_("Acts"))
    means = TermMultipleChoiceField("means", checkboxes=True, label=_("Means"))
    exploitation_forms = TermMultipleChoiceField("exploitation", checkboxes=True, label=_("Forms of exploitation"))
    recruitment_channels = TermMultipleChoiceField("recruitment_channel", checkboxes=True,
                                                   label=_("Recruitment channels"))
    risk_factors = TermMultipleChoiceField("risk_group", checkboxes=True, label=_("Risk factors"))
    countries_of_origin = TermMultipleChoiceField("country", label=_("Countries of origin"))
    countries_of_recruitment = TermMultipleChoiceField("country", label=_("Countries of recruitment"))
    countries_of_exploitation = TermMultipleChoiceField("country", label=_("Countries of exploitation"))
    scope = forms.ChoiceField(label=_("Internal or transnational"), choices=Scope.choices)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("What happened, in the person's words where possible. Kept encrypted."))


class CaseEditForm(CaseForm):
    status = forms.ChoiceField(label=_("Case status"), choices=CaseStatus.choices)
    closure_reason = forms.ChoiceField(label=_("Reason for closure"), required=False,
                                       choices=[("", "—"), *ClosureReason.choices])
    # Shown, never edited here: the status changes only through the identification decision. The select is
    # disabled in the browser (not sent); a value sent anyway is refused by the service with that message.
    trafficking_status = forms.ChoiceField(
        label=_("Trafficking status"), choices=TraffickingStatus.choices, required=False,
        widget=forms.Select(attrs={"disabled": True}),
        help_text=_("Changes only through the official identification decision of the Main Department (the "
                    "case's decision page)."))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, case=None, owner=True, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None and case.status not in CLOSED_STATUSES:
            # Closing has its own page (the plan's final review, the stay, the approval): not offered here.
            self.fields["status"].choices = [c for c in CaseStatus.choices if c[0] not in CLOSED_STATUSES]
            self.fields["status"].error_messages["invalid_choice"] = _(
                "A case is closed with “Close the case” on its page. Keep the status as it is here.")
            self.fields["closure_reason"].disabled = True
            self.fields["closure_reason"].help_text = _("Given on the “Close the case” page.")
        if not owner:
            # The case's own facts are its owner's to change; shown, not sent (Django keeps the initial values).
            for name in OWNER_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Changed only by the institution that owns the case.")

    @classmethod
    def initial_from(cls, case):
        data = {f: getattr(case, f) for f in ("came_to_notice", "scope", "summary", "status", "closure_reason",
                                               "trafficking_status", "version")}
        data["first_contact_at"] = case.first_contact_at
        for name in ("acts", "means", "exploitation_forms", "recruitment_channels", "risk_factors",
                     "countries_of_origin", "countries_of_recruitment", "countries_of_exploitation"):
            data[name] = list(getattr(case, name).all())
        return data


class NoteForm(forms.Form):
    text = forms.CharField(label=_("New note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Stage"), choices=EventKind.choices)
    country = TermChoiceField("country", label=_("Country"), required=False)
    place = forms.CharField(label=_("Place (city, address)"), max_length=255, required=False)
    date_from = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("End date"), required=False, widget=DATE)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CaseFilterForm(forms.Form):
    reference = forms.CharField(label=_("Case reference"), required=False)
    status = forms.ChoiceField(label=_("Case status"), required=False, choices=[("", _("Any")), *CaseStatus.choices])
    trafficking_status = forms.ChoiceField(label=_("Trafficking status"), required=False,
                                           choices=[("", _("Any")), *TraffickingStatus.choices])
    exploitation = TermChoiceField("exploitation", label=_("Form of exploitation"), required=False,
                                   empty_label=_("Any"))
    opened_from = forms.DateField(label=_("First contact from"), required=False, widget=DATE)
    opened_to = forms.DateField(label=_("First contact until"), required=False, widget=DATE)


class CaseExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])
    identities = forms.BooleanField(label=_("Include names and dates of birth"), required=False)
    purpose = forms.CharField(label=_("Purpose of the export"), required=False, max_length=500,
                              help_text=_("Required with names: why they are needed. Recorded in the audit trail."),
                              widget=forms.Textarea(attrs={"rows": 2}))
