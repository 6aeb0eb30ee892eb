"""Forms of the safety pages: they parse; the services decide."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.core import personview
from nicat.safety.models import Factor, Level, MeasureKind, Occasion, Relation


class DateInput(forms.DateInput):
    input_type = "date"


class AssessmentForm(forms.Form):
    occasion = forms.ChoiceField(label=_("Occasion"), choices=Occasion.choices)
    factors = forms.MultipleChoiceField(label=_("Risk factors found"), choices=Factor.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    level = forms.ChoiceField(label=_("Level of risk"), choices=Level.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons for the level"), widget=forms.Textarea(attrs={"rows": 3}))
    review_on = forms.DateField(label=_("Review by"), widget=DateInput)

    def __init__(self, *args, child=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not child:  # risks specific to a child are asked only for a child (nicat.persons.age)
            self.fields["factors"].choices = [c for c in Factor.choices if c[0] != Factor.CHILD]


class PlanForm(forms.Form):
    safety_plan = forms.CharField(label=_("Safety plan"), widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class FamilyContactForm(forms.Form):
    contacted_on = forms.DateField(label=_("Date of the contact"), widget=DateInput)
    relative = forms.ChoiceField(label=_("Relative contacted"), required=False)
    note = forms.CharField(label=_("What was said or agreed"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, relatives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relative"].choices = [("", "—")] + [(str(r.uuid), f"{r.full_name} ({r.get_relation_display()})")
                                                         for r in relatives]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why do you open the security measures?"), min_length=5, max_length=500,
                             help_text=_("Your reason is kept in the audit trail with your name."))


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    address = forms.CharField(label=_("Confidential address"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    responsible_body = forms.CharField(label=_("Responsible body"), max_length=255)
    starts_on = forms.DateField(label=_("From"), widget=DateInput)
    ends_on = forms.DateField(label=_("Until"), required=False, widget=DateInput)
    review_on = forms.DateField(label=_("Review by"), widget=DateInput)
    person_view = personview.view_field(_("Ask her. A measure to protect a witness may be lawful without her "
                                          "consent, but it is never taken without asking her."))
    person_wishes = personview.wishes_field(_("Required when she objects or could not be asked: what she objects "
                                              "to and what she would accept, or why she could not be asked."))


class RelativeForm(forms.Form):
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=150)
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=150)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=100)
    contact = forms.CharField(label=_("Address or other contact"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    risk = forms.ChoiceField(label=_("Risk to this person"), choices=Level.choices)
    risk_notes = forms.CharField(label=_("What threatens them"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(label=_("Measures for them"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RelativeSearchForm(forms.Form):
    name = forms.CharField(label=_("Full name"), required=False, max_length=300)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=100)
