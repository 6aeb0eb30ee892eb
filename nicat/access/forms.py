from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.access.models import IssuedBy
from nicat.access.services import ORDER_ROLES
from nicat.accounts.models import Role

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BreakGlassForm(forms.Form):
    case_reference = forms.CharField(label=_("Case reference"), max_length=32,
                                     help_text=_("For example NCT-2026-000123."))
    reason = forms.CharField(label=_("Why you must open this case now"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("The institution that owns the case and a reviewing supervisor will "
                                         "read this. Do not write the person's name here."))


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Review note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class RestrictionOrderForm(forms.Form):
    case_reference = forms.CharField(label=_("Case reference"), max_length=32)
    issued_by = forms.ChoiceField(label=_("Issued by"), choices=IssuedBy.choices)
    issuing_body = forms.CharField(label=_("Prosecutor's office or court"), max_length=255)
    decision_reference = forms.CharField(label=_("Number of the decision"), max_length=100)
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DATE)
    allowed_roles = forms.MultipleChoiceField(
        label=_("Roles that keep access"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(r.value, r.label) for r in ORDER_ROLES],
        help_text=_("Everyone else loses access to the case and the person's identity while the order is in force."))

    def clean_allowed_roles(self):
        roles = self.cleaned_data["allowed_roles"]
        return [Role(r) for r in roles]
