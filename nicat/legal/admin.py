"""The administrator changes the legal parameters here; every save goes through the audited service. A
changed value needs the version the form read; a refusal of the service (a value it does not accept, someone
else's change in between) is shown on the form (nicat.core.admin.ServiceAdmin)."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from nicat.core.admin import ServiceAdmin
from nicat.legal import services
from nicat.legal.models import LegalParameter


class LegalParameterForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = LegalParameter
        fields = ["code", "value", "valid_from", "legal_act", "source", "confirmed"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        try:
            services._clean(data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    if field not in self.errors:
                        self.add_error(field if field in self.fields else None, message)
        if self.instance.pk:
            if data.get("code") != self.instance.code:
                self.add_error("code", _("The parameter of a recorded value cannot change. Record a new value for "
                                         "the other parameter instead."))
            expected = data.get("expected_version")
            if expected is None:  # a form sent without the version it read (a stale page, a script)
                self.add_error(None, _("Give the version of the value you read, so that no one else's change is "
                                       "overwritten."))
            elif expected != LegalParameter.objects.get(pk=self.instance.pk).version:
                from nicat.core.errors import ConcurrentEdit

                self.add_error(None, ConcurrentEdit())
        return data


@admin.register(LegalParameter)
class LegalParameterAdmin(ServiceAdmin, admin.ModelAdmin):
    form = LegalParameterForm
    list_display = ["code", "value", "valid_from", "legal_act", "confirmed"]
    list_filter = ["code", "confirmed"]
    search_fields = ["code", "legal_act"]
    ordering = ["code", "-valid_from"]

    def has_delete_permission(self, request, obj=None):
        return False  # a value that applied once stays on record; record a new value instead

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data.get(f) for f in services.FIELDS}
        original = LegalParameter.objects.get(pk=obj.pk) if change else None
        saved = services.set_parameter(actor=request.user, data=data, parameter=original,
                                       expected_version=form.cleaned_data.get("expected_version")
                                       if change else None)
        obj.pk, obj.version = saved.pk, saved.version
