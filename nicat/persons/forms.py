"""Forms of the person pages: search, the intake duplicate check, the coordinator's decisions."""
from django import forms
from django.utils.translation import gettext_lazy as _

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name (any spelling, any script)"), max_length=300, required=False)
    document = forms.CharField(label=_("Document number"), max_length=64, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    age_from = forms.IntegerField(label=_("Age from"), required=False, min_value=0, max_value=120)
    age_to = forms.IntegerField(label=_("Age to"), required=False, min_value=0, max_value=120)
    reference = forms.CharField(label=_("Case reference"), max_length=32, required=False)

    def clean(self):
        data = super().clean()
        lo, hi = data.get("age_from"), data.get("age_to")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("age_to", _("The upper age must not be lower than the lower age."))
        return data

    def has_criteria(self):
        return self.is_valid() and any(v not in (None, "") for v in self.cleaned_data.values())


class CandidateForm(forms.Form):
    """The identifying fields of the intake form that matter for duplicates (same names, prefix "person")."""
    family_name = forms.CharField(max_length=150, required=False)
    given_name = forms.CharField(max_length=150, required=False)
    patronymic = forms.CharField(max_length=150, required=False)
    aliases = forms.CharField(required=False)
    birth_date = forms.DateField(required=False)
    birth_date_is_estimate = forms.BooleanField(required=False)
    estimated_age = forms.IntegerField(required=False, min_value=0, max_value=120)
    document_number = forms.CharField(max_length=64, required=False)
    phone = forms.CharField(max_length=100, required=False)

    def to_data(self):
        d = dict(self.cleaned_data)
        d["aliases"] = [line.strip() for line in (d.get("aliases") or "").splitlines() if line.strip()]
        number = d.pop("document_number", "")
        d["documents"] = [{"number": number}] if number else []
        return d

    def has_identity(self):
        d = self.cleaned_data
        return any(d.get(f) for f in ("family_name", "given_name", "aliases", "document_number", "phone"))


class MergeForm(forms.Form):
    keep = forms.ChoiceField(label=_("Record to keep"), widget=forms.RadioSelect,
                             choices=[("a", _("the first record")), ("b", _("the second record"))])
    reason = forms.CharField(label=_("Why these records are the same person"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)  # the signal's, as read: no decision is overridden


class UndoForm(forms.Form):
    reason = forms.CharField(label=_("Why the merge is undone"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class DismissForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
