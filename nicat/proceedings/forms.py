"""Forms of the proceedings pages. They parse input; the services decide."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.core import personview
from nicat.directory.models import Institution
from nicat.proceedings.models import (
    AgeBand,
    AppearanceMode,
    AppearanceStatus,
    HearingPurpose,
    LiabilityKind,
    ReleaseOutcome,
    Stage,
    VerdictOutcome,
    VictimStatus,
)
from nicat.vocab.forms import TermChoiceField, TermMultipleChoiceField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class InstitutionField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Institution.objects.filter(active=True).order_by("name_az"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return obj.name


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PerpetratorForm(forms.Form):
    family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    aliases = forms.CharField(label=_("Other names and nicknames"), required=False, max_length=2000,
                              help_text=_("Separated by commas."))
    roles = TermMultipleChoiceField("perpetrator_role", label=_("Role"), checkboxes=True)
    relation = TermChoiceField("trafficker_relation", label=_("Relation to the victim"), required=False)
    nationalities = TermMultipleChoiceField("country", label=_("Nationality"))
    gender = TermChoiceField("gender", label=_("Gender"), required=False)
    age_band = forms.ChoiceField(label=_("Age"), choices=AgeBand.choices, initial=AgeBand.UNKNOWN)
    organisation = forms.CharField(label=_("Organisation or group"), max_length=255, required=False)
    role_details = forms.CharField(label=_("Details of the role"), required=False, widget=TEXTAREA)


class CriminalCaseForm(forms.Form):
    number = forms.CharField(label=_("Criminal case number"), max_length=100, required=False)
    articles = TermMultipleChoiceField("criminal_article", label=_("Articles of the Criminal Code"), checkboxes=True)
    investigating_body = InstitutionField(label=_("Investigating body"), required=False)
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE, required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices, initial=Stage.INQUIRY)
    victim_status = forms.ChoiceField(label=_("The victim takes part as"), choices=VictimStatus.choices)

    def __init__(self, *args, perpetrators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["perpetrators"] = forms.MultipleChoiceField(
            label=_("Suspects or accused"), required=False, widget=forms.CheckboxSelectMultiple,
            choices=[(str(p.uuid), str(p)) for p in perpetrators])
        self._perpetrators = {str(p.uuid): p for p in perpetrators}

    def clean_perpetrators(self):
        return [self._perpetrators[u] for u in self.cleaned_data.get("perpetrators") or []]


class StageForm(VersionForm):
    stage = forms.ChoiceField(label=_("New stage"), choices=[c for c in Stage.choices if c[0] != Stage.VERDICT])
    changed_on = forms.DateField(label=_("Since"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXTAREA)


class VerdictForm(VersionForm):
    verdict_on = forms.DateField(label=_("Date of the verdict"), widget=DATE, required=False)
    verdict_court = forms.CharField(label=_("Court"), max_length=255, required=False)
    verdict_outcome = forms.ChoiceField(label=_("Outcome"), choices=VerdictOutcome.choices)
    sentence_summary = forms.CharField(label=_("Sentence"), required=False, widget=TEXTAREA)
    confiscation_amount = forms.CharField(label=_("Confiscated (AZN)"), required=False, max_length=20)
    confiscation_description = forms.CharField(label=_("Confiscated property"), required=False, widget=TEXTAREA)


class HearingForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DATETIME, required=False)
    court = forms.CharField(label=_("Court"), max_length=255, required=False)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=HearingPurpose.choices, initial=HearingPurpose.TRIAL)


class AppearanceForm(forms.Form):
    mode = forms.ChoiceField(label=_("How the victim takes part"), choices=AppearanceMode.choices)
    accompanied_by = InstitutionField(label=_("Accompanied by"), required=False)
    # Her view and wishes: the one component of nicat.core.personview (as on a security measure).
    person_view = personview.view_field(_("Ask her. Appearing in court may be her duty, but it is never planned "
                                          "without asking her."))
    wished_mode = forms.ChoiceField(label=_("How she wishes to take part"), required=False,
                                    choices=[("", "—"), *AppearanceMode.choices])
    person_wishes = personview.wishes_field(_("Who she wants beside her, the protective measures she asks for "
                                              "(not meeting the accused, a closed hearing …); required when she "
                                              "objects or could not be asked."))


class AppearanceOutcomeForm(VersionForm):
    status = forms.ChoiceField(label=_("Appearance"), choices=AppearanceStatus.choices)


class ReleaseForm(forms.Form):
    liability = forms.ChoiceField(label=_("Liability"), choices=LiabilityKind.choices)
    offence = forms.CharField(label=_("Offence committed as a result of being trafficked"), required=False,
                              widget=TEXTAREA)
    requested_on = forms.DateField(label=_("Requested on"), widget=DATE, required=False)
    authority = forms.CharField(label=_("Requested from (body)"), max_length=255, required=False)

    def __init__(self, *args, criminal_cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criminal_case"] = forms.ChoiceField(
            label=_("Criminal case"), required=False,
            choices=[("", "—")] + [(str(c.uuid), c.number) for c in criminal_cases])
        self._criminal_cases = {str(c.uuid): c for c in criminal_cases}

    def clean_criminal_case(self):
        return self._criminal_cases.get(self.cleaned_data.get("criminal_case") or "")


class ReleaseDecisionForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReleaseOutcome.choices)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE, required=False)
    decision_note = forms.CharField(label=_("Decision"), required=False, widget=TEXTAREA)


class LinkClaimForm(VersionForm):
    def __init__(self, *args, criminal_cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criminal_case"] = forms.ChoiceField(
            label=_("Criminal case"), required=False,
            choices=[("", _("— no link —"))] + [(str(c.uuid), c.number) for c in criminal_cases])
        self._criminal_cases = {str(c.uuid): c for c in criminal_cases}

    def clean_criminal_case(self):
        return self._criminal_cases.get(self.cleaned_data.get("criminal_case") or "")
