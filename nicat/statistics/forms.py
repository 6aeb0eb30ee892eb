from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.statistics.dimensions import DIMENSIONS


def _choices(blank):
    return ([("", blank)] if blank else []) + [(d.code, d.label) for d in DIMENSIONS.values()]


class CaseTableForm(forms.Form):
    by = forms.ChoiceField(label=_("Count by"), choices=_choices(None), initial="year")
    then = forms.ChoiceField(label=_("and by"), choices=_choices(_("— nothing else —")), required=False)
    date_from = forms.DateField(label=_("First contact from"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("then") and data.get("then") == data.get("by"):
            self.add_error("then", _("Choose a different second dimension, or none."))
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The period ends before it starts."))
        return data
