"""Forms of the identification pages. They parse input; the services validate what matters."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.consent.forms import LegalBasisFieldsMixin
from nicat.consent.models import Purpose
from nicat.identification import engine
from nicat.identification import indicators as data
from nicat.identification.models import CertificateLanguage, DecisionOutcome, ExploitationKind, Population
from nicat.vocab.forms import TermMultipleChoiceField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ANSWER_CHOICES = [(engine.YES, _("Yes")), (engine.NO, _("No")), (engine.UNKNOWN, _("Not known yet"))]


def answer_field_name(code):
    return "ind-" + code.replace(".", "-")


def facts_field_name(code):
    return "fact-" + code.replace(".", "-")


class ScreeningForm(forms.Form):
    acts_began_on = forms.DateField(
        label=_("When did the acts begin?"), required=False, widget=DATE,
        help_text=_("An approximate date is enough. It decides the person's age at the time of the acts; if left "
                    "empty, the earliest trafficking event or the first contact is used."))
    acts = TermMultipleChoiceField("act", checkboxes=True, label=_("Acts: what was done to the person?"))
    acts_facts = forms.CharField(label=_("Facts supporting the acts"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    means = TermMultipleChoiceField("means", checkboxes=True, label=_("Means: how was it done?"),
                                    help_text=_("Not needed for a child (under the age of majority at the time of the acts)."))
    means_facts = forms.CharField(label=_("Facts supporting the means"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    purposes = TermMultipleChoiceField("exploitation", checkboxes=True,
                                       label=_("Purpose: for which form of exploitation?"))
    purpose_facts = forms.CharField(label=_("Facts supporting the purpose"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    consent_reported = forms.BooleanField(
        label=_("The person says they agreed to the situation"), required=False,
        help_text=_("Recorded for the file only: consent obtained by a means, or given by a child, does not count."))
    population = forms.ChoiceField(label=_("Indicator lists for"), required=False,
                                   choices=[("", _("Decided by the age at the time of the acts")),
                                            *Population.choices])
    exploitation_kind = forms.ChoiceField(label=_("Indicator lists of"), required=False,
                                          choices=[("", _("Decided by the purpose of exploitation")),
                                                   *ExploitationKind.choices])
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, indicator_list=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator_list = indicator_list
        self.indicator_codes = []
        if indicator_list is None:
            return
        for indicator in data.indicator_set().indicators_of(indicator_list):
            self.indicator_codes.append(indicator.code)
            self.fields[answer_field_name(indicator.code)] = forms.ChoiceField(
                label=indicator.label, choices=ANSWER_CHOICES, required=False, initial=engine.UNKNOWN,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
            self.fields[facts_field_name(indicator.code)] = forms.CharField(
                label=_("Facts"), required=False, max_length=4000)

    @classmethod
    def initial_from(cls, screening):
        initial = {f: getattr(screening, f) for f in ("acts_began_on", "acts_facts", "means_facts", "purpose_facts",
                                                      "consent_reported", "population", "exploitation_kind",
                                                      "version")}
        for name in ("acts", "means", "purposes"):
            initial[name] = list(getattr(screening, name).all())
        for code, entry in (screening.answers or {}).items():
            initial[answer_field_name(code)] = (entry or {}).get("answer") or engine.UNKNOWN
            initial[facts_field_name(code)] = (entry or {}).get("facts") or ""
        return initial

    def element_rows(self):
        """The indicator fields grouped by element, for the template."""
        iset = data.indicator_set()
        rows = []
        for element in iset.elements:
            items = [{"indicator": i, "strength": i.grades[self.indicator_list],
                      "answer": self[answer_field_name(i.code)], "facts": self[facts_field_name(i.code)]}
                     for i in iset.indicators_of(self.indicator_list, element.code)]
            rows.append({"element": element, "items": items})
        return rows

    def to_service_data(self):
        d = self.cleaned_data
        out = {k: d.get(k) for k in ("acts_began_on", "acts", "means", "purposes", "acts_facts", "means_facts",
                                      "purpose_facts", "consent_reported", "population", "exploitation_kind")}
        answers = {}
        for code in self.indicator_codes:
            answer = d.get(answer_field_name(code)) or engine.UNKNOWN
            facts = d.get(facts_field_name(code)) or ""
            answers[code] = {"answer": answer, "facts": facts}
        out["answers"] = answers
        return out


class ReferralForm(LegalBasisFieldsMixin, forms.Form):
    """The referral for identification: it rests on the person's recorded consent for identification (on the
    case's consent panel), or on a legal basis approved by a supervisor of the competent authority."""

    note = forms.CharField(label=_("What the Main Department should know"), required=False,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Kept encrypted. Do not repeat what the screening already says."))

    LEGAL_BASIS_PURPOSE = Purpose.IDENTIFICATION
    field_order = ["note"]

    def __init__(self, *args, **kwargs):
        from nicat.access import sections

        super().__init__(*args, section_choices=sections.CHOICES, **kwargs)

    def service_kwargs(self):
        data = self.legal_basis_data()
        return {"note": self.cleaned_data.get("note", ""), "legal_basis": data.get("legal_basis") or "",
                "legal_basis_reason": data.get("legal_basis_reason") or "",
                "order": {"issuing_body": data.get("legal_basis_issuing_body") or "",
                          "order_number": data.get("legal_basis_order_number") or "",
                          "order_date": data.get("legal_basis_order_date")},
                "copy_bytes": data.get("legal_basis_copy"), "sections": data.get("legal_basis_sections") or []}


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DATE)
    reason = forms.CharField(label=_("Reasons for the decision"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("Required when the person is not recognised. Kept encrypted."))
    release_from_liability = forms.BooleanField(
        label=_("Released from liability for offences committed as a result of being trafficked"), required=False)
    liability_note = forms.CharField(label=_("Offences the release covers"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    certificate_language = forms.ChoiceField(label=_("Language of the status certificate"),
                                             choices=CertificateLanguage.choices,
                                             help_text=_("The person's language of choice."))
    version = forms.IntegerField(widget=forms.HiddenInput)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Document"), required=False, max_length=300)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=200)


DocumentFormSet = forms.formset_factory(DocumentForm, extra=3, max_num=30)
