"""Search form of the directory."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.directory.models import ServiceKind
from nicat.vocab.forms import TermChoiceField


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    service = forms.ChoiceField(label=_("Service"), required=False, choices=[("", _("Any")), *ServiceKind.choices])
    kind = TermChoiceField("institution_kind", label=_("Kind of institution"), required=False, empty_label=_("Any"))
    region = TermChoiceField("region", label=_("Region"), required=False, empty_label=_("Any"))
    language = TermChoiceField("language", label=_("Language spoken"), required=False, empty_label=_("Any"))
