from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.statistics.dimensions import DIMENSIONS
from nicat.statistics.models import ReportFrequency


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


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    language = forms.ChoiceField(label=_("Language"), choices=[("az", "Azərbaycanca"), ("ru", "Русский"),
                                                               ("en", "English")])
    edition = forms.ChoiceField(label=_("Edition"), choices=[("internal", _("Internal: exact figures")),
                                                            ("public", _("Public: small figures withheld"))])
    format = forms.ChoiceField(label=_("Format"), choices=[("pdf", "PDF"), ("xlsx", "XLSX")])

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].choices = [c for c in self.fields["edition"].choices if c[0] in editions]


class ReportScheduleForm(forms.Form):
    """A standing order for the annual report: the same choices as a download, without the year (the period
    decides it) and with how often."""

    frequency = forms.ChoiceField(label=_("How often"), choices=ReportFrequency.choices)
    language = ReportForm.base_fields["language"]
    edition = ReportForm.base_fields["edition"]
    format = ReportForm.base_fields["format"]

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].choices = [c for c in self.fields["edition"].choices if c[0] in editions]


def _call_choices(blank):
    from nicat.statistics.dimensions import CALL_DIMENSIONS

    return ([("", blank)] if blank else []) + [(d.code, d.label) for d in CALL_DIMENSIONS.values()]


class CallTableForm(CaseTableForm):
    """The hotline's contacts: the same form, its own dimensions; the period is the contact's time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["by"].choices = _call_choices(None)
        self.fields["then"].choices = _call_choices(_("— nothing else —"))
        self.fields["date_from"].label = _("Contacts from")
