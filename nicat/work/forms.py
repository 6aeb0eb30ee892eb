"""Forms of the daily work. They parse; the services decide (nicat.work.services)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.accounts.models import User
from nicat.core.forms import ModelMultipleChoiceField
from nicat.work.models import ApprovalSetting, TaskKind
from nicat.work.selectors import KINDS, SCOPES, WINDOWS


def _person(user):
    return user.get_full_name() or user.username


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _person(obj)


class StaffMultipleChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _person(obj)


class FilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), required=False, choices=[("", _("Everything"))] + list(KINDS.items()))
    window = forms.ChoiceField(label=_("Due"), required=False, choices=list(WINDOWS.items()), initial="week")
    scope = forms.ChoiceField(label=_("Whose"), required=False, choices=list(SCOPES.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # rendered one by one in the filter row: Bootstrap's full-width select,
            field.widget.attrs.setdefault("class", "form-select")  # so a long choice never widens a phone's page


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices)
    title = forms.CharField(label=_("What is to be done"), max_length=500,
                            help_text=_("No names or personal details: they are on the case."))
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    assigned_to = StaffChoiceField(label=_("Assigned to"), required=False, queryset=User.objects.none(),
                                   help_text=_("Someone whose institution sees this case."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        if staff is not None:
            self.fields["assigned_to"].queryset = staff


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    worker = StaffChoiceField(label=_("Assigned worker"), required=False, queryset=User.objects.none())
    members = StaffMultipleChoiceField(label=_("Team"), required=False, queryset=User.objects.none(),
                                       widget=forms.CheckboxSelectMultiple)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        if staff is not None:
            self.fields["worker"].queryset = staff
            self.fields["members"].queryset = staff


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Required when you do not approve, and for a break-glass review."))
    version = forms.IntegerField(widget=forms.HiddenInput)


class SettingsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in ApprovalSetting.KINDS:
            self.fields[kind] = forms.BooleanField(label=ApprovalSetting._meta.get_field(kind).verbose_name,
                                                   required=False)
