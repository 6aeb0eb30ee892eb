import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.core.calendar import baku_day_start


class TrailFilterForm(forms.Form):
    case = forms.CharField(label=_("Case reference"), required=False, max_length=32)
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=64,
                             help_text=_("Exact, e.g. case.view, or a prefix ending with a dot, e.g. case."))
    since = forms.DateField(label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filters(self):
        """Keyword arguments of selectors.filter_trail; dates are whole days in the local time zone."""
        data = self.cleaned_data

        day_start = baku_day_start

        return {
            "case_reference": data.get("case") or "",
            "username": data.get("user") or "",
            "action": data.get("action") or "",
            "since": day_start(data["since"]) if data.get("since") else None,
            "until": day_start(data["until"] + datetime.timedelta(days=1)) if data.get("until") else None,
        }
